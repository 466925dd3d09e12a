"""GitHub Actions workflows: actionlint (which runs shellcheck on `run:` scripts when
shellcheck is installed)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from devops_orchestrator.models import Issue, Severity
from devops_orchestrator.worker.validators.tools import find_tool, missing_tool_issue, run_tool

NAME = "actionlint"


def validate_workflows(workspace: Path, files: Sequence[str]) -> list[Issue]:
    binary = find_tool("actionlint")
    if binary is None:
        return missing_tool_issue(NAME, "actionlint", files)
    issues: list[Issue] = []
    if find_tool("shellcheck") is None:
        issues.append(
            Issue(
                severity=Severity.WARNING,
                validator=NAME,
                rule="shellcheck-missing",
                message="shellcheck is not installed: run: scripts of workflows were not checked",
            )
        )
    run = run_tool([str(binary), "-no-color", "-format", "{{json .}}", *files], workspace)
    try:
        findings = json.loads(run.stdout or "[]")
    except json.JSONDecodeError:
        findings = None
    if not isinstance(findings, list) or (not findings and run.returncode not in (0, 1)):
        return [
            *issues,
            Issue(
                severity=Severity.ERROR,
                validator=NAME,
                rule="validator-failed",
                message=f"actionlint could not check {', '.join(files)}: "
                f"{(run.stderr or run.stdout).strip()[:500]}",
            ),
        ]
    issues.extend(
        Issue(
            severity=Severity.ERROR,
            validator=NAME,
            rule=str(f.get("kind", "")) or None,
            file=str(f.get("filepath", "")) or None,
            line=int(f["line"]) if f.get("line") else None,
            message=str(f.get("message", "")),
        )
        for f in findings
    )
    return issues
