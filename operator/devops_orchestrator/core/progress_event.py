"""The k8s Event that shows a worker's progress on its DevOpsTask. Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from devops_orchestrator.constants import API_VERSION, KIND, MANAGED_BY
from devops_orchestrator.core.progress_jobs import FollowTarget

REASON = "WorkerProgress"
MESSAGE_MAX_CHARS = 1024  # the API's limit for an Event message


def build_progress_event(target: FollowTarget, message: str, now: datetime) -> dict[str, Any]:
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"generateName": f"{target.task_name[:200]}.", "namespace": target.namespace},
        "involvedObject": {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "name": target.task_name,
            "namespace": target.namespace,
            "uid": target.task_uid,
        },
        "reason": REASON,
        "message": message[:MESSAGE_MAX_CHARS],
        "type": "Normal",
        "source": {"component": MANAGED_BY},
        "reportingComponent": MANAGED_BY,
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
    }


def build_progress_event_selector(target: FollowTarget) -> str:
    """The field selector of the task's progress Events (to count them)."""
    return f"involvedObject.uid={target.task_uid},reason={REASON}"
