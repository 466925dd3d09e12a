"""Pure helpers around the decision: Job observation, merge patches, result parsing,
worker durations."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from devops_orchestrator.adapters.results import parse_result_configmap
from devops_orchestrator.constants import LABEL_ATTEMPT, LABEL_WORKER
from devops_orchestrator.core.merge_patch import apply_merge_patch, build_merge_patch, drop_nulls
from devops_orchestrator.core.observe import build_log_excerpt, build_observed_job
from devops_orchestrator.core.status import build_status_patch, build_worker_durations


def _job(conditions: list[dict[str, str]], **meta: object) -> dict[str, object]:
    return {
        "metadata": {
            "name": "t-docker-2",
            "labels": {LABEL_WORKER: "docker-worker", LABEL_ATTEMPT: "2"},
            **meta,
        },
        "status": {
            "startTime": "2026-01-01T00:00:00Z",
            "completionTime": "2026-01-01T00:00:30Z",
            "conditions": conditions,
        },
    }


def test_running_job_is_active() -> None:
    job = build_observed_job(_job([]), {})
    assert (job.active, job.succeeded, job.failed) == (True, False, False)
    assert (job.worker, job.attempt) == ("docker-worker", 2)
    assert job.start_time == datetime(2026, 1, 1, tzinfo=UTC)


def test_complete_job_succeeded() -> None:
    job = build_observed_job(_job([{"type": "Complete", "status": "True"}]), {})
    assert (job.active, job.succeeded, job.failed) == (False, True, False)
    assert job.completion_time == datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC)


def test_failed_job_prefers_the_workers_own_error() -> None:
    cond = {
        "type": "Failed",
        "status": "True",
        "reason": "BackoffLimitExceeded",
        "message": "Job has reached the specified backoff limit",
        "lastTransitionTime": "2026-01-01T00:01:00Z",
    }
    job = build_observed_job(_job([cond]), {"t-docker-2": "no Dockerfile could be written"})
    assert job.failed and not job.active
    assert job.failure_reason == "BackoffLimitExceeded"
    assert job.failure_message == "no Dockerfile could be written"
    assert job.completion_time == datetime(2026, 1, 1, 0, 1, tzinfo=UTC)
    plain = build_observed_job(_job([cond]), {})
    assert plain.failure_message == "Job has reached the specified backoff limit"


def test_job_deleted_before_finishing_counts_as_failed() -> None:
    job = build_observed_job(_job([], deletionTimestamp="2026-01-01T00:00:40Z"), {})
    assert (job.active, job.failed, job.failure_reason) == (False, True, "Deleted")


def test_condition_false_is_ignored() -> None:
    job = build_observed_job(_job([{"type": "Failed", "status": "False"}]), {})
    assert job.active and not job.failed


def test_status_patch_is_empty_when_equal() -> None:
    status = {"phase": "Running", "workers": [{"name": "docker-worker", "phase": "Running"}]}
    assert build_status_patch(status, json.loads(json.dumps(status))) == {}


def test_merge_patch_nulls_removed_keys_and_recurses() -> None:
    old = {
        "phase": "Running",
        "message": "working",
        "result": {"details": {"docker-worker": {"summary": "a"}, "ci-worker": {}}},
        "workers": [{"name": "docker-worker", "phase": "Running"}],
    }
    new = {
        "phase": "Succeeded",
        "result": {"details": {"docker-worker": {"summary": "b"}}},
        "workers": [{"name": "docker-worker", "phase": "Succeeded"}],
    }
    patch = build_merge_patch(old, new)
    assert patch == {
        "message": None,
        "phase": "Succeeded",
        "result": {"details": {"ci-worker": None, "docker-worker": {"summary": "b"}}},
        "workers": [{"name": "docker-worker", "phase": "Succeeded"}],
    }
    assert apply_merge_patch(old, patch) == new
    assert build_status_patch(old, new) == patch


def test_merge_patch_adds_new_empty_mapping() -> None:
    assert build_merge_patch({}, {"result": {}}) == {"result": {}}
    assert build_status_patch({}, {"result": {}}) == {"result": {}}


def test_status_patch_leaves_keys_it_does_not_own_and_drops_nulls() -> None:
    old = {"phase": "Running", "kopf": {"progress": {}}, "message": "x"}
    new = {"phase": "Running", "message": None, "result": {"a": None}}
    assert build_status_patch(old, new) == {"message": None, "result": {}}


def test_drop_nulls() -> None:
    assert drop_nulls({"a": None, "b": {"c": None, "d": 1}, "e": [{"f": None}]}) == {
        "b": {"d": 1},
        "e": [{}],
    }


def test_parse_result_configmap() -> None:
    result, error = parse_result_configmap(
        {"result.json": json.dumps({"files_created": ["Dockerfile"], "summary": "ok", "x": 1})}
    )
    assert result is not None and error is None
    assert result.files_created == ["Dockerfile"]
    assert result.model_extra == {"x": 1}
    result, error = parse_result_configmap({"error": "engine failed"})
    assert (result, error) == (None, "engine failed")
    result, error = parse_result_configmap({"result.json": "{not json"})
    assert result is None and error is not None and error.startswith("unreadable result.json")


def test_worker_durations_only_for_new_final_phases() -> None:
    old = {
        "workers": [
            {"name": "docker-worker", "phase": "Running"},
            {"name": "ci-worker", "phase": "Failed"},
        ]
    }
    times = {"startedAt": "2026-01-01T00:00:00Z", "completedAt": "2026-01-01T00:00:12Z"}
    new = {
        "workers": [
            {"name": "docker-worker", "phase": "Succeeded", **times},
            {"name": "ci-worker", "phase": "Failed", **times},
            {"name": "infra-worker", "phase": "Cancelled", **times},
        ]
    }
    assert build_worker_durations(old, new) == [("docker-worker", "Succeeded", 12.0)]


def test_log_excerpt_keeps_the_last_lines_and_caps_length() -> None:
    assert build_log_excerpt("a\n\nb\nc\nd\n") == "b | c | d"
    assert build_log_excerpt("") == ""
    long = build_log_excerpt("x" * 1000, limit=50)
    assert len(long) == 50 and long.startswith("...")
