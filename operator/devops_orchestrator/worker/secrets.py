"""The secrets a worker holds, taken out of its environment before any tool runs.

A worker Job receives the API key and the git credentials as environment variables
(`secretKeyRef`). The worker process reads them once, deletes them from its environment
and makes itself non-dumpable: its tools (Bash and whatever that starts) run as the same
user, and a dumpable process's `/proc/<pid>/environ`, `/proc/<pid>/mem` and file
descriptors are readable by that user. A non-dumpable one's are not (the kernel then
requires CAP_SYS_PTRACE, which worker pods drop). The worker also becomes a child
subreaper, so a tool's descendant that leaves its session (`setsid`, double fork) is
re-parented to the worker, which kills it (see `claude.bash`)."""

from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from devops_orchestrator.config import Secrets
from devops_orchestrator.worker.gitops import GitCredentials
from devops_orchestrator.worker.reaper import become_subreaper

PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3
API_KEY_VARIABLE = "ANTHROPIC_API_KEY"
GIT_USERNAME_VARIABLE = "GIT_USERNAME"
GIT_PASSWORD_VARIABLES = ("GIT_PASSWORD", "GIT_TOKEN")
# Read by the SDK or our settings; none of them may reach a tool either.
_ALSO_REMOVED = ("ANTHROPIC_AUTH_TOKEN",)


@dataclass(frozen=True)
class WorkerSecrets:
    """Every secret value the worker holds (and must never hand to a tool)."""

    api_key: str = ""
    git: GitCredentials = field(default_factory=GitCredentials)

    def values(self) -> tuple[str, ...]:
        return tuple(value for value in (self.api_key, self.git.password) if value)

    def for_engine(self) -> Secrets:
        return Secrets(anthropic_api_key=SecretStr(self.api_key) if self.api_key else None)

    def __repr__(self) -> str:
        return "WorkerSecrets(***)"


def read_secrets(environ: dict[str, str] | os._Environ[str]) -> WorkerSecrets:
    """The secrets in `environ` (nothing removed)."""
    password = next((environ[n] for n in GIT_PASSWORD_VARIABLES if environ.get(n)), "")
    username = environ.get(GIT_USERNAME_VARIABLE) or "x-access-token"
    return WorkerSecrets(
        api_key=environ.get(API_KEY_VARIABLE, ""),
        git=GitCredentials(username=username.strip(), password=password.strip()),
    )


def take_secrets() -> WorkerSecrets:
    """Read the secrets and delete them from this process's environment."""
    secrets = read_secrets(os.environ)
    names = (API_KEY_VARIABLE, GIT_USERNAME_VARIABLE, *GIT_PASSWORD_VARIABLES, *_ALSO_REMOVED)
    for name in names:
        os.environ.pop(name, None)
    return secrets


def seal_process() -> bool:
    """Make this process non-dumpable and a child subreaper; False where prctl is
    unavailable (not Linux)."""
    if not Path("/proc/self").is_dir():
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    prctl = libc.prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    if prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")
    if not become_subreaper():
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER, 1) failed")
    return True


def is_dumpable() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return bool(libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))
