"""`context.repository` of a Redis task -> the DevOpsTask's git workspace. Pure.

The network names a repository as a URL string (with `context.ref` or `context.branch`
beside it) or as `{"url": ..., "ref" | "branch": ...}`. Only the shape is checked here;
the URL and the ref go through the same hardening as any git workspace when the worker
clones (worker/gitops.py: https/ssh only, file URLs only when the operator allows them,
no credentials in URLs, refs checked by git), so one place decides what git may touch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devops_orchestrator.core.network_workspace import WorkspacePathError

CONTEXT_KEY = "repository"
MAX_URL_CHARS = 2048
MAX_REF_CHARS = 255
DEFAULT_REF = "main"


def _text(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise WorkspacePathError(f"{what} is not a non-empty string")
    if len(value) > limit:
        raise WorkspacePathError(f"{what} is longer than {limit} characters")
    if any(not ch.isprintable() or ch.isspace() for ch in value):
        raise WorkspacePathError(f"{what} contains blanks or control characters")
    return value


def build_git_workspace(context: Mapping[str, Any]) -> dict[str, Any] | None:
    """`spec.workspace` with `git` for a task naming a repository, else None."""
    repository = context.get(CONTEXT_KEY)
    if repository is None:
        return None
    where: Mapping[str, Any] = context
    if isinstance(repository, Mapping):
        where, url = repository, repository.get("url")
    elif isinstance(repository, str):
        url = repository
    else:
        raise WorkspacePathError("context.repository is neither a URL nor an object with a url")
    git = {"url": _text(url, "context.repository url", MAX_URL_CHARS), "ref": DEFAULT_REF}
    for key in ("ref", "branch"):
        if where.get(key) is not None:
            git["ref"] = _text(where[key], f"context.repository {key}", MAX_REF_CHARS)
            break
    return {"git": git}
