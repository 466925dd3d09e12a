"""`context.repository` of a Redis task -> the DevOpsTask's git workspace. Pure.

The network names a repository as a URL string (with `context.ref` or `context.branch`
beside it) or as `{"url": ..., "ref" | "branch": ...}`. The URL comes from a hostile
task, so only the schemes the operator allows pass (`DEVOPS_NETWORK_GIT_SCHEMES`,
default https): no `ext::` transports, no local paths, no options, no credentials in
the URL (a secret in task text would be written into the resource and the logs)."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Collection, Mapping
from typing import Any

from devops_orchestrator.core.network_workspace import WorkspacePathError

CONTEXT_KEY = "repository"
DEFAULT_SCHEMES = ("https",)
MAX_URL_CHARS = 2048
MAX_REF_CHARS = 200
DEFAULT_REF = "main"
# git-check-ref-format: no control characters, space, ~ ^ : ? * [ \, no "..", no "@{".
_BAD_REF = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//")


def check_ref(value: object, what: str) -> str:
    """A branch or tag name git would accept, and not an option."""
    if not isinstance(value, str) or not value:
        raise WorkspacePathError(f"{what} is not a non-empty string")
    if len(value) > MAX_REF_CHARS:
        raise WorkspacePathError(f"{what} is longer than {MAX_REF_CHARS} characters")
    if (
        _BAD_REF.search(value)
        or value.startswith(("-", "/", "."))
        or value.endswith(("/", ".", ".lock"))
        or value == "@"
    ):
        raise WorkspacePathError(f"{what} {value!r} is not a valid git ref")
    return value


def check_url(value: object, schemes: Collection[str]) -> str:
    """The repository URL when its scheme is allowed and it carries no credentials."""
    if not isinstance(value, str) or not value.strip():
        raise WorkspacePathError("context.repository has no URL")
    if len(value) > MAX_URL_CHARS or any(not ch.isprintable() or ch.isspace() for ch in value):
        raise WorkspacePathError("context.repository URL is too long or has blanks/controls")
    parts = urllib.parse.urlsplit(value)
    allowed = ", ".join(sorted(schemes)) or "none"
    if "://" not in value or parts.scheme.lower() not in schemes:
        raise WorkspacePathError(
            f"context.repository URL scheme is not allowed (allowed: {allowed})"
        )
    if parts.password is not None or (parts.username and parts.scheme.lower() != "ssh"):
        raise WorkspacePathError(
            "context.repository URL carries credentials; the operator supplies them"
        )
    if parts.scheme.lower() != "file" and not parts.hostname:
        raise WorkspacePathError("context.repository URL has no host")
    return value


def build_git_workspace(
    context: Mapping[str, Any], schemes: Collection[str] = DEFAULT_SCHEMES
) -> dict[str, Any] | None:
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
    lowered = {scheme.lower() for scheme in schemes}
    git: dict[str, Any] = {"url": check_url(url, lowered), "ref": DEFAULT_REF}
    for key in ("ref", "branch"):
        if where.get(key) is not None:
            git["ref"] = check_ref(where[key], f"context.repository {key}")
            break
    return {"git": git}
