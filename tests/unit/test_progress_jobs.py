"""Which Job events start or stop following a worker's log; the progress Event."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from devops_orchestrator.core.progress_event import build_progress_event
from devops_orchestrator.core.progress_jobs import (
    FollowAction,
    FollowTarget,
    build_follow_target,
    follow_action,
)

OWNER = {
    "apiVersion": "devops.agentnet.dev/v1alpha1",
    "kind": "DevOpsTask",
    "name": "t",
    "uid": "u1",
}


CLAUDE_ENV = [{"name": "ANTHROPIC_API_KEY", "valueFrom": {"secretKeyRef": {"name": "k"}}}]


def job(
    status: dict[str, Any] | None = None, env: list[Any] | None = None, **meta: Any
) -> dict[str, Any]:
    return {
        "metadata": {
            "name": "t-docker-worker-1",
            "namespace": "ns",
            "uid": "j1",
            "labels": {"devops.agentnet.dev/worker": "docker-worker"},
            "ownerReferences": [OWNER],
            **meta,
        },
        "spec": {
            "template": {"spec": {"containers": [{"name": "worker", "env": env or CLAUDE_ENV}]}}
        },
        "status": status or {},
    }


def finished(kind: str) -> dict[str, Any]:
    return {"ready": 0, "conditions": [{"type": kind, "status": "True"}]}


@pytest.mark.parametrize(
    ("event", "status", "action"),
    [
        ("ADDED", {}, FollowAction.NONE),
        ("MODIFIED", {"active": 1, "ready": 0}, FollowAction.NONE),  # the pod is not running
        ("MODIFIED", {"active": 1, "ready": 1}, FollowAction.START),
        (None, {"active": 1, "ready": 1}, FollowAction.START),  # found at start-up
        ("MODIFIED", finished("Complete"), FollowAction.STOP),
        ("MODIFIED", finished("Failed"), FollowAction.STOP),
        ("MODIFIED", {"ready": 1, **finished("FailureTarget")}, FollowAction.STOP),
        ("MODIFIED", {"ready": 1, "conditions": [{"type": "Failed", "status": "False"}]},
         FollowAction.START),
        ("DELETED", {"ready": 1}, FollowAction.STOP),
        ("MODIFIED", {"ready": "1"}, FollowAction.NONE),  # not a count
    ],
)  # fmt: skip
def test_follow_actions(event: str | None, status: dict[str, Any], action: FollowAction) -> None:
    assert follow_action(event, job(status)) == action


def test_a_generator_worker_is_not_followed() -> None:
    body = job({"ready": 1}, env=[{"name": "HOME", "value": "/tmp"}])
    assert follow_action("MODIFIED", body) == FollowAction.NONE
    assert follow_action("MODIFIED", {"status": {"ready": 1}}) == FollowAction.NONE


def test_a_job_being_deleted_is_not_followed() -> None:
    body = job({"ready": 1}, deletionTimestamp="2026-01-01T00:00:00Z")
    assert follow_action("MODIFIED", body) == FollowAction.STOP


def test_the_target_comes_from_the_jobs_owner_and_labels() -> None:
    assert build_follow_target(job()) == FollowTarget(
        "ns", "t-docker-worker-1", "j1", "docker-worker", "t", "u1"
    )
    assert build_follow_target(job(ownerReferences=[{**OWNER, "kind": "Other"}])) is None
    assert build_follow_target(job(ownerReferences=None)) is None


def test_the_progress_event_is_about_the_task() -> None:
    target = FollowTarget("ns", "t-docker-worker-1", "j1", "docker-worker", "t", "u1")
    event = build_progress_event(target, "x" * 5000, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert event["involvedObject"] == {**OWNER, "namespace": "ns"}
    assert event["reason"] == "WorkerProgress" and event["type"] == "Normal"
    assert len(event["message"]) == 1024
    assert event["lastTimestamp"] == "2026-01-02T03:04:05Z"
    assert event["metadata"] == {"generateName": "t.", "namespace": "ns"}
