"""The status codec and the observation: reading is total over hostile input, the one
set of final phases, and a spec our models refuse decided as a failed task."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from devops_orchestrator.core.decide import decide
from devops_orchestrator.core.decision import InvalidSpec, Observation
from devops_orchestrator.core.observe import build_observation
from devops_orchestrator.core.status import (
    FINAL_PHASES,
    is_final,
    parse_time,
    read_progress,
    read_status,
)
from devops_orchestrator.models import TaskPhase, WorkerPhase

NOW = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)


def _task(spec: dict[str, Any], status: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "metadata": {"name": "t", "namespace": "ns", "uid": "u", "generation": 3},
        "spec": spec,
        "status": status or {},
    }


@pytest.mark.parametrize(
    ("phase", "final"),
    [(p.value, p in FINAL_PHASES) for p in TaskPhase] + [("Bogus", False), (None, False)],
)
def test_is_final_follows_the_one_set_of_final_phases(phase: Any, final: bool) -> None:
    assert is_final({"phase": phase}) is final
    assert read_status({"phase": phase}).final is final


@pytest.mark.parametrize(
    "status",
    [
        {"workers": "no"},
        {"workers": [{"name": "w", "attempts": "x", "firstAttempt": True, "filesCreated": 3}]},
        {"workers": [None, 1, {"phase": "Running"}], "plan": {"stages": "x"}},
        {"plan": {"stages": [["a"]], "workers": {"a": {"after": "b"}}}, "conditions": [1]},
        {"result": [], "retryToken": 5, "message": {"a": 1}, "progress": 7},
    ],
)
def test_reading_a_hostile_status_never_raises(status: dict[str, Any]) -> None:
    stored = read_status(status)
    for state in stored.workers.values():
        assert state.attempts >= 0 and state.first_attempt >= 1
        assert all(isinstance(f, str) for f in state.files_created)
    assert stored.retry_token is None or isinstance(stored.retry_token, str)
    assert isinstance(stored.message, str)
    assert isinstance(read_progress(status), str)


def test_workers_are_read_as_the_list_that_is_written() -> None:
    status = {
        "workers": [
            {"name": "docker-worker", "phase": "Succeeded", "attempts": 2, "firstAttempt": 3},
            {"name": "ci-worker", "phase": "Nonsense"},
        ]
    }
    workers = read_status(status).workers
    assert list(workers) == ["docker-worker", "ci-worker"]
    assert workers["docker-worker"].last_attempt == 4
    assert workers["ci-worker"].phase == WorkerPhase.PENDING
    assert read_progress(status) == "1/2"
    assert read_progress({"progress": "2/3"}) == "2/3"
    assert read_progress({}) == "-"


def test_times_without_a_zone_are_utc() -> None:
    assert parse_time("2026-11-23T21:00:00Z") == NOW
    assert parse_time("2026-11-23T21:00:00") == NOW
    assert parse_time("yesterday") is None and parse_time(5) is None


def test_an_invalid_spec_is_observed_as_such() -> None:
    obs = build_observation(_task({"timeoutSeconds": "soon"}), [], {}, {}, (), NOW)
    assert isinstance(obs, InvalidSpec)
    assert obs.message.startswith("invalid spec: ") and "(2 errors)" in obs.message
    valid = build_observation(_task({"description": "d"}), [], {}, {}, (), NOW)
    assert isinstance(valid, Observation) and valid.generation == 3


def test_an_invalid_spec_fails_the_task_once() -> None:
    obs = InvalidSpec(generation=3, status={}, message="invalid spec: x", now=NOW)
    decision = decide(obs)
    assert decision.finished and decision.changed and decision.create == ()
    status = decision.status
    assert (status["phase"], status["message"]) == ("Failed", "invalid spec: x")
    assert status["completedAt"] == "2026-11-23T21:00:00Z" and status["observedGeneration"] == 3
    completed = next(c for c in status["conditions"] if c["type"] == "Completed")
    assert (completed["status"], completed["reason"]) == ("True", "InvalidSpec")
    assert status["result"]["status"] == "failed"
    assert [e.reason for e in decision.events] == ["InvalidSpec"]
    again = decide(InvalidSpec(generation=4, status=status, message="invalid spec: y", now=NOW))
    assert not again.changed and again.events == () and again.status == status
