"""Which workspace a Redis task gets. Pure.

`context.repository` -> a git workspace (cloned, committed, pushed by the workers);
else, with a shared workspace configured, `context.workspace` (default: its root) -> a
subPath of the shared claim; else none: the workers write into scratch space and the
files travel back in `output.artifacts`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devops_orchestrator.core.network_repository import build_git_workspace
from devops_orchestrator.core.network_workspace import (
    SharedWorkspace,
    build_volume_workspace,
    network_path_of,
)


def build_task_workspace(
    context: Mapping[str, Any], shared: SharedWorkspace | None
) -> dict[str, Any] | None:
    """The DevOpsTask's `spec.workspace` (camelCase), or None. Raises WorkspacePathError
    with a reason for the network when the context names an unusable one."""
    network_path_of(context)  # a malformed context.workspace is refused in every case
    git = build_git_workspace(context)
    if git is not None:
        return git
    if shared is not None and shared.claim:
        return build_volume_workspace(context, shared)
    return None
