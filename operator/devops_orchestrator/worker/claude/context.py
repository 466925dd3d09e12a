"""What every tool receives: the sandbox, the file tracker, the limits and the findings."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from devops_orchestrator.models import Issue, Severity
from devops_orchestrator.worker.claude.files import FileTracker
from devops_orchestrator.worker.claude.sandbox import Sandbox, SandboxError


@dataclass(frozen=True)
class ToolLimits:
    """Caps that keep one tool call cheap and bounded."""

    read_max_bytes: int = 256 * 1024
    write_max_bytes: int = 1024 * 1024
    read_default_lines: int = 2000
    glob_max_results: int = 200
    grep_max_matches: int = 200
    grep_max_file_bytes: int = 1024 * 1024
    walk_max_files: int = 20_000
    bash_default_timeout: float = 120.0
    bash_max_timeout: float = 600.0
    bash_output_max_bytes: int = 32 * 1024
    search_max_seconds: float = 10.0  # Glob and Grep: a hostile pattern stops here


class ToolError(Exception):
    """A refused or failed tool call; its message goes back to the model as is_error."""


@dataclass
class ToolContext:
    sandbox: Sandbox
    tracker: FileTracker
    limits: ToolLimits
    bash_path: str
    secrets: tuple[str, ...] = ()  # redacted from every tool output
    time_left: Callable[[], float] = lambda: math.inf  # seconds the run may still use
    issues: list[Issue] = field(default_factory=list)

    def record_violation(self, tool: str, violation: SandboxError) -> None:
        """A refused path becomes a warning of the result (once per tool and path)."""
        message = f"{tool} refused: {violation.path!r} is {violation.reason}"
        if all(issue.message != message for issue in self.issues):
            self.issues.append(
                Issue(severity=Severity.WARNING, message=message, validator="sandbox")
            )
