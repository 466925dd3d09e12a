"""The `validate` tool: the worker's real validators (hadolint, actionlint, schemas) on
files of the workspace, so the model can fix what they find before it answers."""

from __future__ import annotations

import json
from collections.abc import Mapping

from devops_orchestrator.worker.claude.arguments import list_arg
from devops_orchestrator.worker.claude.context import ToolContext, ToolError
from devops_orchestrator.worker.validators import classify, validate_files


def validate(ctx: ToolContext, args: Mapping[str, object]) -> str:
    names = list_arg(args, "files") or sorted(ctx.tracker.written)
    if not names:
        raise ToolError("no files written yet; name the files to validate")
    files = [ctx.sandbox.relative(ctx.sandbox.resolve(name)) for name in names]
    checked = [f for f in files if classify(f) is not None]
    unknown = [f for f in files if classify(f) is None]
    lines: list[str] = []
    if checked:
        issues = validate_files(ctx.sandbox.root, checked)
        if issues:
            lines.append(f"{len(issues)} issue(s):")
            lines += [json.dumps(i.model_dump(mode="json", exclude_none=True)) for i in issues]
        else:
            lines.append(f"no issues in {', '.join(checked)}")
    if unknown:
        lines.append(f"no validator applies to: {', '.join(unknown)}")
    return "\n".join(lines)
