"""Where a Redis task works: the network's path (`context.workspace`) checked and mapped
onto the shared workspace claim. Pure.

The agent network mounts one volume as `/workspace` in every agent; the operator is told
which PersistentVolumeClaim holds it (`DEVOPS_SHARED_WORKSPACE_CLAIM`) and what the
network calls its root (`DEVOPS_SHARED_WORKSPACE_ROOT`). A task's `context.workspace` is
an absolute path under that root; it becomes the subPath of the workers' mount, so the
kubelet confines them to it (and refuses a subPath that is a symlink leading out)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

CONTEXT_KEY = "workspace"
MAX_PATH_CHARS = 1024
MAX_PART_CHARS = 255


class WorkspacePathError(ValueError):
    """The task's workspace path cannot be used; the message says why, for a person."""


@dataclass(frozen=True)
class SharedWorkspace:
    """The operator's setting: the claim holding the network's root, and that root."""

    claim: str
    root: str = "/workspace"


def parse_network_path(value: object, *, what: str = "context.workspace") -> PurePosixPath:
    """`value` as a clean absolute POSIX path: a string, absolute, no `..`, no control
    characters; `.` parts and repeated or trailing slashes are dropped."""
    if not isinstance(value, str):
        raise WorkspacePathError(f"{what} is not a string: {type(value).__name__}")
    if not value.strip():
        raise WorkspacePathError(f"{what} is empty")
    if len(value) > MAX_PATH_CHARS:
        raise WorkspacePathError(f"{what} is longer than {MAX_PATH_CHARS} characters")
    if any(not ch.isprintable() for ch in value):
        raise WorkspacePathError(f"{what} contains control characters")
    if not value.startswith("/"):
        raise WorkspacePathError(f"{what} {value!r} is not an absolute path")
    parts = [part for part in value.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise WorkspacePathError(f"{what} {value!r} contains '..'")
    if any(len(part) > MAX_PART_CHARS for part in parts):
        raise WorkspacePathError(f"{what} {value!r} has a name longer than {MAX_PART_CHARS}")
    return PurePosixPath("/", *parts)


def build_sub_path(path: PurePosixPath, root: PurePosixPath) -> str:
    """`path` relative to `root` ("" for the root itself); refuses paths outside it."""
    if path != root and root not in path.parents:
        raise WorkspacePathError(
            f"context.workspace {str(path)!r} is outside the shared workspace {str(root)!r}"
        )
    return "" if path == root else str(path.relative_to(root))


def network_path_of(context: Mapping[str, Any]) -> PurePosixPath | None:
    """The checked `context.workspace`, or None when the task names none."""
    value = context.get(CONTEXT_KEY)
    return None if value is None else parse_network_path(value)


def build_volume_workspace(context: Mapping[str, Any], shared: SharedWorkspace) -> dict[str, Any]:
    """The DevOpsTask `spec.workspace` of a Redis task on the shared workspace: the claim,
    and `context.workspace` (default: the root) as the subPath."""
    root = parse_network_path(shared.root, what="the shared workspace root")
    path = network_path_of(context) or root
    return {"volume": {"claimName": shared.claim, "subPath": build_sub_path(path, root)}}
