"""Security checks beyond linting: checkov over Dockerfiles, Kubernetes manifests,
Terraform, GitHub Actions and GitLab CI. checkov is slow to start (seconds), so a worker
runs it at most once, over all its files of the frameworks asked for. It runs as a
subprocess from a venv of its own (`hack/install-checkov.sh`): it pins many libraries and
would shadow python-hcl2.

A failed check is a warning issue whose rule is the check id (CKV_...). A check can be
skipped deliberately with checkov's own inline comment or annotation, with a reason."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from devops_orchestrator.models import Issue, Severity
from devops_orchestrator.worker.validators.tools import find_tool, missing_tool_issue, run_tool

NAME = "checkov"
FRAMEWORKS = ("dockerfile", "kubernetes", "terraform", "github_actions", "gitlab_ci")


def validate_with_checkov(
    workspace: Path, files: Sequence[str], frameworks: Sequence[str] = FRAMEWORKS
) -> list[Issue]:
    if not files or not frameworks:
        return []
    binary = find_tool("checkov")
    if binary is None:
        return missing_tool_issue(NAME, "checkov", files)
    argv = [
        str(binary),
        "--quiet",
        "--compact",
        "--output",
        "json",
        "--skip-download",
        "--skip-results-upload",
        "--framework",
        *frameworks,
        "--file",
        *files,
    ]
    run = run_tool(argv, workspace)
    try:
        reports = json.loads(run.stdout)
    except json.JSONDecodeError:
        reports = None
    if run.returncode not in (0, 1) or not isinstance(reports, list | dict):
        detail = (run.stderr or run.stdout).strip()[-500:]
        return [
            Issue(
                severity=Severity.ERROR,
                validator=NAME,
                rule="validator-failed",
                message=f"checkov could not check {', '.join(files)}: {detail}",
            )
        ]
    issues: list[Issue] = []
    for report in reports if isinstance(reports, list) else [reports]:
        issues += _report_issues(report, workspace.resolve(), set(files))
    return issues


def _report_issues(report: Any, root: Path, files: set[str]) -> list[Issue]:
    results = report.get("results") if isinstance(report, dict) else None
    if not isinstance(results, dict):
        return []  # a framework with nothing to scan reports only a summary
    issues = []
    for check in results.get("failed_checks") or []:
        file = _relative(check, root, files)
        lines = check.get("file_line_range") or [None]
        guideline = check.get("guideline")
        issues.append(
            Issue(
                severity=Severity.WARNING,
                validator=NAME,
                rule=str(check.get("check_id", "")),
                file=file,
                line=lines[0] or None,
                message=f"{check.get('check_name', '')} ({check.get('resource', '')})"
                + (f"; see {guideline}" if guideline else ""),
            )
        )
    for path in results.get("parsing_errors") or []:
        issues.append(
            Issue(
                severity=Severity.WARNING,
                validator=NAME,
                rule="parsing-error",
                file=_relative({"file_path": path}, root, files),
                message="checkov could not parse the file; its security checks did not run",
            )
        )
    return issues


def _relative(check: dict[str, Any], root: Path, files: set[str]) -> str:
    """checkov's `file_path` is relative to varying roots; `file_abs_path` is exact."""
    absolute = Path(str(check.get("file_abs_path") or ""))
    if absolute.is_absolute() and absolute.resolve().is_relative_to(root):
        return absolute.resolve().relative_to(root).as_posix()
    path = str(check.get("file_path", "")).lstrip("/")
    return path if path in files else next((f for f in files if f.endswith("/" + path)), path)
