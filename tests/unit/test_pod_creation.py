"""Worker Jobs whose pods cannot be created or started (core/pod_creation.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from devops_orchestrator.core.observe import build_observed_job
from devops_orchestrator.core.pod_creation import (
    REASON,
    creation_failure,
    explain_creation_failure,
    explain_refused_create,
    is_waiting_for_pods,
    is_waiting_to_start,
    mark_failed,
    nothing_to_read_yet,
    start_failure,
)
from devops_orchestrator.core.policies import may_retry_worker

NOW = datetime(2026, 12, 1, 12, 0, 30, tzinfo=UTC)


def job(created: str = "2026-12-01T12:00:00Z", **status: Any) -> dict[str, Any]:
    return {"metadata": {"name": "j", "uid": "u1", "creationTimestamp": created}, "status": status}


def event(
    message: str, reason: str = "FailedCreate", uid: str = "u1", at: str = ""
) -> dict[str, Any]:
    return {
        "reason": reason,
        "message": message,
        "involvedObject": {"kind": "Job", "name": "j", "uid": uid},
        "lastTimestamp": at or "2026-12-01T12:00:05Z",
    }


SA = (
    'Error creating: pods "j-x" is forbidden: error looking up service account '
    'team-a/devops-worker: serviceaccount "devops-worker" not found'
)


@pytest.mark.parametrize(
    ("body", "waiting"),
    [
        (job(), True),
        (job(created="2026-12-01T12:00:25Z"), False),  # younger than the grace
        (job(active=1), False),
        (job(failed=1), False),
        (job(conditions=[{"type": "Failed", "status": "True"}]), False),
    ],
)
def test_is_waiting_for_pods(body: dict[str, Any], waiting: bool) -> None:
    assert is_waiting_for_pods(body, NOW) is waiting


def test_is_waiting_to_start() -> None:
    assert is_waiting_to_start(job(active=1), NOW)
    assert not is_waiting_to_start(job(active=1, ready=1), NOW)
    assert not is_waiting_to_start(job(), NOW)


def test_missing_service_account_says_what_to_apply() -> None:
    found = creation_failure(job(), [event(SA)], namespace="team-a")
    assert found == (
        "worker pods cannot be created: serviceaccount devops-worker not found in team-a "
        "(apply manifests/worker to this namespace)"
    )


def test_newest_event_of_this_job_only() -> None:
    events = [
        event("Error creating: old reason", at="2026-12-01T12:00:01Z"),
        event("Error creating: newer reason", at="2026-12-01T12:00:09Z"),
        event(SA, uid="another-job"),
        event("Created pod: j-x", reason="SuccessfulCreate"),
    ]
    assert creation_failure(job(), events, namespace="n") == (
        "worker pods cannot be created: newer reason"
    )
    assert creation_failure(job(), [event(SA, uid="another-job")], namespace="n") is None


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            'Error creating: pods "j-x" is forbidden: exceeded quota: q1, requested: pods=1, '
            "used: pods=2, limited: pods=2",
            "worker pods cannot be created in ns: exceeded quota: q1, requested: pods=1, "
            "used: pods=2, limited: pods=2",
        ),
        (
            'Error creating: admission webhook "policy.example.com" denied the request: no root',
            "worker pods cannot be created: admission webhook policy.example.com denied them: "
            "no root",
        ),
        ("", "worker pods cannot be created: FailedCreate"),
    ],
)
def test_explanations(message: str, expected: str) -> None:
    assert explain_creation_failure(message, namespace="ns") == expected


def test_long_messages_are_cut() -> None:
    assert len(explain_creation_failure("x" * 5000, namespace="ns")) == 400


def test_start_failure_from_a_waiting_container() -> None:
    pulling = {"state": {"waiting": {"reason": "ContainerCreating"}}}
    stuck = {"state": {"waiting": {"reason": "ImagePullBackOff", "message": "no such image"}}}
    assert start_failure([{"status": {"containerStatuses": [pulling]}}]) is None
    assert start_failure([{"status": {"containerStatuses": [pulling, stuck]}}]) == (
        "worker pods cannot start: ImagePullBackOff: no such image"
    )


@pytest.mark.parametrize(
    ("status", "what", "expected"),
    [
        (
            403,
            "Job",
            "worker pods cannot be created: the operator may not create the worker's"
            " Job in team-a (apply manifests/worker to this namespace)",
        ),
        (404, "Job", None),  # namespace gone: not a missing grant
        (422, "Job", None),  # an invalid manifest is our bug, not the namespace's
        (500, "Job", None),
        (0, "Job", None),
    ],
)
def test_refused_creates(status: int, what: str, expected: str | None) -> None:
    assert explain_refused_create(status, what, namespace="team-a") == expected


def test_a_refused_job_is_seen_failed_and_not_retried() -> None:
    manifest = {"metadata": {"name": "t-docker-1", "labels": {}}, "spec": {}}
    reason = explain_refused_create(403, "Job", namespace="team-a")
    assert reason is not None
    seen = build_observed_job(mark_failed(manifest, reason, NOW), {})
    assert seen.failed and not seen.active
    assert (seen.failure_reason, seen.failure_message) == (REASON, reason)
    assert not may_retry_worker(1, 3, seen.failure_reason)


@pytest.mark.parametrize(
    ("status", "owned_jobs", "empty"),
    [(403, 0, True), (403, 1, False), (404, 0, False), (500, 0, False)],
)
def test_a_refused_result_read_counts_as_empty_only_before_any_job(
    status: int, owned_jobs: int, empty: bool
) -> None:
    assert nothing_to_read_yet(status, owned_jobs) is empty
