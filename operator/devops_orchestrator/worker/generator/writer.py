"""Writing generated files without overwriting anybody's work silently.

The rule: a missing file is created; an existing file with the same content is left
alone; an existing file that still carries the generator's header line (see
`render.common.header`) is the generator's own and is rewritten (`files_modified`);
any other existing file is left unchanged and reported as a warning issue."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from devops_orchestrator.models import Issue, Severity
from devops_orchestrator.worker.generator.render.common import MARKER

_HEADER_LINES = 3


@dataclass
class WriteOutcome:
    created: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


def is_generated(text: str) -> bool:
    return any(MARKER in line for line in text.splitlines()[:_HEADER_LINES])


def write_files(workspace: Path, files: dict[str, str]) -> WriteOutcome:
    outcome = WriteOutcome()
    root = workspace.resolve()
    for relative, content in files.items():
        target = root / relative
        if not target.resolve().is_relative_to(root):
            outcome.skipped.append(relative)
            outcome.issues.append(_skip(relative, "it leads outside the workspace"))
            continue
        if target.exists() or target.is_symlink():
            try:
                old = target.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                old = None
            if old == content:
                outcome.unchanged.append(relative)
                continue
            if old is None or not is_generated(old):
                outcome.skipped.append(relative)
                outcome.issues.append(
                    _skip(
                        relative, "it exists and was not written by the generator (no header line)"
                    )
                )
                continue
            target.write_text(content, encoding="utf-8")
            outcome.modified.append(relative)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        outcome.created.append(relative)
    return outcome


def _skip(relative: str, reason: str) -> Issue:
    return Issue(
        severity=Severity.WARNING,
        validator="generator",
        rule="existing-file",
        file=relative,
        message=f"{relative} left unchanged: {reason}; review the generated proposal by "
        "removing or renaming it and running the worker again",
    )
