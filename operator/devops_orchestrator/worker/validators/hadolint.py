"""Dockerfiles: hadolint, its JSON findings mapped onto issues."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from devops_orchestrator.models import Issue, Severity
from devops_orchestrator.worker.validators.tools import find_tool, missing_tool_issue, run_tool

NAME = "hadolint"
_LEVELS = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "style": Severity.INFO,
}


def validate_dockerfiles(workspace: Path, files: Sequence[str]) -> list[Issue]:
    binary = find_tool("hadolint")
    if binary is None:
        return missing_tool_issue(NAME, "hadolint", files)
    issues: list[Issue] = []
    for file in files:
        run = run_tool([str(binary), "--no-color", "--format", "json", file], workspace)
        try:
            findings = json.loads(run.stdout or "[]")
        except json.JSONDecodeError:
            findings = None
        if not isinstance(findings, list):
            issues.append(_failure(file, run.stderr or run.stdout))
            continue
        if not findings and run.returncode not in (0, 1):
            issues.append(_failure(file, run.stderr))
        issues.extend(
            Issue(
                severity=_LEVELS.get(str(f.get("level")), Severity.WARNING),
                validator=NAME,
                rule=str(f.get("code", "")) or None,
                file=file,
                line=int(f["line"]) if f.get("line") else None,
                message=str(f.get("message", "")),
            )
            for f in findings
        )
    return issues


def _failure(file: str, output: str) -> Issue:
    return Issue(
        severity=Severity.ERROR,
        validator=NAME,
        rule="validator-failed",
        file=file,
        message=f"hadolint could not check the file: {output.strip()[:500]}",
    )
