"""A TaskMessage from Redis -> the DevOpsTask that carries it out. Pure.

The resource name is a function of the task id alone: creating it is the idempotency
key of the whole bridge (a task delivered twice, or taken by two replicas, can only
ever make one resource)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from devops_orchestrator import constants as c
from devops_orchestrator.models import TaskMessage

NAME_PREFIX = "t-"
MAX_PLAIN_ID = 40  # keeps `<task>-<worker>-<attempt>` Job names well under 63
MIN_TIMEOUT_SECONDS = 10
MAX_TIMEOUT_SECONDS = 86400
SOURCE_REDIS = "redis"
_PLAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_INVALID = re.compile(r"[^a-z0-9]+")


def build_task_name(task_id: str) -> str:
    """`t-<id>` when the id is already a short DNS label (uuid4s are), otherwise
    `t-<readable prefix>-<sha256 prefix>`: deterministic, distinct ids stay distinct."""
    if len(task_id) <= MAX_PLAIN_ID and _PLAIN.match(task_id) and "--" not in task_id:
        return NAME_PREFIX + task_id
    readable = _INVALID.sub("-", task_id.lower()).strip("-")[:20].rstrip("-")
    digest = hashlib.sha256(task_id.encode("utf-8")).hexdigest()[:16]
    # "--" before the digest: never produced by the plain branch, so no cross-collisions
    return f"{NAME_PREFIX}{readable}--{digest}" if readable else f"{NAME_PREFIX}-{digest}"


def clamp_timeout(seconds: float) -> int:
    return int(min(MAX_TIMEOUT_SECONDS, max(MIN_TIMEOUT_SECONDS, seconds)))


def build_task_manifest(
    message: TaskMessage,
    raw: str,
    *,
    namespace: str,
    agent_id: str,
    workspace: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The DevOpsTask for `message`; `raw` is the queue item verbatim, kept so that
    completion can `LREM` the exact same string from the active list. `workspace` is
    its `spec.workspace` (core.task_workspace)."""
    manifest: dict[str, Any] = {
        "apiVersion": c.API_VERSION,
        "kind": c.KIND,
        "metadata": {
            "name": build_task_name(message.task_id),
            "namespace": namespace,
            "labels": {c.LABEL_MANAGED_BY: c.MANAGED_BY, c.LABEL_SOURCE: SOURCE_REDIS},
            "annotations": {
                c.ANNOTATION_TASK_MESSAGE: raw,
                c.ANNOTATION_TASK_ID: message.task_id,
                c.ANNOTATION_TAKEN_BY: agent_id,
            },
        },
        "spec": {
            "description": message.payload.description,
            "requirements": list(message.payload.requirements),
            "context": dict(message.payload.context),
            "priority": message.metadata.priority.value,
            "timeoutSeconds": clamp_timeout(message.metadata.timeout_seconds),
            "taskId": message.task_id,
        },
    }
    if workspace is not None:
        manifest["spec"]["workspace"] = workspace
    return manifest
