"""Owner references: what makes the garbage collector delete our objects with their owner."""

from __future__ import annotations

from typing import Any

from devops_orchestrator import constants as c


def build_owner_reference(
    api_version: str, kind: str, name: str, uid: str, *, controller: bool = False
) -> dict[str, Any]:
    """An owner reference; only a controller reference blocks the owner's deletion
    until this object is gone (foreground deletion), so the two go together."""
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": uid,
        "controller": controller,
        "blockOwnerDeletion": controller,
    }


def build_task_owner_reference(
    task_name: str, task_uid: str, *, controller: bool = False
) -> dict[str, Any]:
    """A reference to the DevOpsTask `task_name`: the object goes when the task does."""
    return build_owner_reference(c.API_VERSION, c.KIND, task_name, task_uid, controller=controller)
