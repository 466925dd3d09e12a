"""What the operator keeps of watched objects between passes, and how two copies of one
object are ordered. Pure: JSON in (camelCase, as the API returns it), JSON out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devops_orchestrator.constants import ANNOTATION_RETRY, API_VERSION, KIND

# Of a Job's metadata, what a pass reads (`core.observe`, `core.pod_creation`, the
# result store's owner references); its spec (the pod template) is the bulk and unread.
_JOB_META_KEYS = (
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "labels",
    "ownerReferences",
    "creationTimestamp",
    "deletionTimestamp",
)


def build_job_view(job: Mapping[str, Any]) -> dict[str, Any]:
    """A Job as a pass reads it: the metadata it uses and the status, not the spec."""
    meta = job.get("metadata") or {}
    return {
        "metadata": {key: meta[key] for key in _JOB_META_KEYS if key in meta},
        "status": dict(job.get("status") or {}),
    }


def owner_task_name(obj: Mapping[str, Any]) -> str | None:
    """The name of the DevOpsTask that owns the object (its owner reference holds the full
    name; the task label may be shortened), or None."""
    for owner in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if owner.get("kind") == KIND and owner.get("apiVersion") == API_VERSION:
            return str(owner.get("name") or "") or None
    return None


def _version(obj: Mapping[str, Any]) -> int | None:
    try:
        return int((obj.get("metadata") or {}).get("resourceVersion") or "")
    except ValueError:
        return None


def is_older(obj: Mapping[str, Any], than: Mapping[str, Any]) -> bool:
    """Whether `obj` is an older copy of the object `than` is a copy of. Resource
    versions are etcd revisions in every API server we run against; when either is not
    a number, nothing is known to be older."""
    mine, theirs = _version(obj), _version(than)
    return mine is not None and theirs is not None and mine < theirs


def generation_and_retry(task: Mapping[str, Any]) -> tuple[Any, Any]:
    """What a pass answers of a task's metadata: a new value of either asks for a pass."""
    meta = task.get("metadata") or {}
    return meta.get("generation"), (meta.get("annotations") or {}).get(ANNOTATION_RETRY)
