"""Which worker Jobs have their progress followed, from their watch events. Pure.

A Job's pod log is followed once its pod runs (`status.ready`), until the Job finishes
or goes away; only Jobs given the API key (an engine that may be the claude one: the
generator logs no tool calls, and following it would cost requests for nothing). What a
follower needs is taken from the Job here, so nothing else of the Job body is kept."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from devops_orchestrator.constants import API_VERSION, KIND, LABEL_WORKER

# Conditions after which no container of the Job runs again (the Target ones come
# first since Kubernetes 1.31, the others when the last pod is gone).
_FINISHING = ("Complete", "Failed", "SuccessCriteriaMet", "FailureTarget")
API_KEY_ENV = "ANTHROPIC_API_KEY"  # given to the worker only for a model engine


class FollowAction(enum.Enum):
    START = "start"  # follow it, unless already followed
    STOP = "stop"  # stop following and forget it
    NONE = "none"


@dataclass(frozen=True)
class FollowTarget:
    namespace: str
    job_name: str
    job_uid: str
    worker: str
    task_name: str
    task_uid: str


def follow_action(event_type: str | None, job: Mapping[str, Any]) -> FollowAction:
    meta = job.get("metadata") or {}
    status = job.get("status") or {}
    if event_type == "DELETED" or meta.get("deletionTimestamp") or _is_finishing(status):
        return FollowAction.STOP
    if _count(status.get("ready")) > 0 and _may_use_a_model(job):
        return FollowAction.START
    return FollowAction.NONE


def _is_finishing(status: Mapping[str, Any]) -> bool:
    return any(
        c.get("type") in _FINISHING and c.get("status") == "True"
        for c in status.get("conditions") or []
        if isinstance(c, Mapping)
    )


def _may_use_a_model(job: Mapping[str, Any]) -> bool:
    template = ((job.get("spec") or {}).get("template") or {}).get("spec") or {}
    return any(
        isinstance(env, Mapping) and env.get("name") == API_KEY_ENV
        for container in template.get("containers") or []
        if isinstance(container, Mapping)
        for env in container.get("env") or []
    )


def _count(value: object) -> int:
    return value if isinstance(value, int) else 0


def build_follow_target(job: Mapping[str, Any]) -> FollowTarget | None:
    """What following this Job needs; None for a Job no DevOpsTask owns."""
    meta = job.get("metadata") or {}
    owner = next(
        (
            o
            for o in meta.get("ownerReferences") or []
            if isinstance(o, Mapping)
            and o.get("kind") == KIND
            and o.get("apiVersion") == API_VERSION
        ),
        None,
    )
    if owner is None or not meta.get("uid") or not meta.get("namespace"):
        return None
    return FollowTarget(
        namespace=str(meta["namespace"]),
        job_name=str(meta.get("name") or ""),
        job_uid=str(meta["uid"]),
        worker=str((meta.get("labels") or {}).get(LABEL_WORKER) or ""),
        task_name=str(owner.get("name") or ""),
        task_uid=str(owner.get("uid") or ""),
    )
