"""Under which Redis id, if any, a DevOpsTask's progress and result are published. Pure.

We answer only for what we took. A task the bridge created from its own queue carries,
from intake, the source label, the task-id annotation and a name derived from that id,
in the namespace where the bridge creates tasks; anything else in the cluster (a task
someone applied with kubectl, perhaps copying those markers, elsewhere) publishes
nothing, unless it asks to: `spec.publish: true` with an explicit, usable `spec.taskId`.
So no object of the cluster can write another task's `results:{id}`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devops_orchestrator import constants as c
from devops_orchestrator.core.item_limits import is_usable_task_id
from devops_orchestrator.core.task_mapping import SOURCE_REDIS, build_task_name


def taken_task_id(body: Mapping[str, Any], *, intake_namespace: str) -> str | None:
    """The Redis id of a task this domain took from its queue; None for any other."""
    meta = body.get("metadata") or {}
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    task_id = annotations.get(c.ANNOTATION_TASK_ID)
    if labels.get(c.LABEL_SOURCE) != SOURCE_REDIS or meta.get("namespace") != intake_namespace:
        return None
    if not is_usable_task_id(task_id) or meta.get("name") != build_task_name(str(task_id)):
        return None
    if (body.get("spec") or {}).get("taskId") != task_id:
        return None
    return str(task_id)


def publish_task_id(body: Mapping[str, Any], *, intake_namespace: str) -> str | None:
    """The id to publish this task under: the one we took it as, or the one it asks to
    be published as (`spec.publish: true` and `spec.taskId`); None to publish nothing."""
    taken = taken_task_id(body, intake_namespace=intake_namespace)
    if taken is not None:
        return taken
    spec = body.get("spec") or {}
    requested = spec.get("taskId")
    if spec.get("publish") is True and is_usable_task_id(requested):
        return str(requested)
    return None


def is_annotated_published(body: Mapping[str, Any]) -> bool:
    """Whether the object records that its result is out (the marker in Redis decides)."""
    annotations = (body.get("metadata") or {}).get("annotations") or {}
    return annotations.get(c.ANNOTATION_REDIS_PUBLISHED) == "true"


def has_redis_work(body: Mapping[str, Any], *, intake_namespace: str) -> bool:
    """Whether the bridge could have anything to do for this body: a task we answer for
    whose result is not out yet (cheap: every watch event asks it first)."""
    if is_annotated_published(body):
        return False
    return publish_task_id(body, intake_namespace=intake_namespace) is not None
