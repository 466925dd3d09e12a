"""Job events that change nothing the decision reads trigger no pass."""

from __future__ import annotations

from typing import Any

from devops_orchestrator.job_events import JobChangeFilter


def _job(name: str = "t-docker-1", **status: Any) -> dict[str, Any]:
    labels = {"devops.agentnet.dev/worker": "docker-worker"}
    return {"metadata": {"name": name, "namespace": "ns", "labels": labels}, "status": status}


COMPLETE = [{"type": "Complete", "status": "True", "lastTransitionTime": "2026-01-01T00:00:09Z"}]


def test_only_starts_finishes_and_deletions_pass_and_finished_jobs_are_forgotten() -> None:
    seen = JobChangeFilter()
    assert seen.changed("ADDED", _job())  # new to this operator
    assert not seen.changed("MODIFIED", _job())  # metadata-only churn
    started = {"startTime": "2026-01-01T00:00:00Z"}
    assert not seen.changed("MODIFIED", _job(**started))  # no decision reads it
    assert not seen.changed("MODIFIED", _job(**started, active=1))
    assert not seen.changed("MODIFIED", _job(**started, active=1, ready=1))
    assert len(seen) == 1
    done = {**started, "completionTime": "2026-01-01T00:00:09Z", "conditions": COMPLETE}
    assert seen.changed("MODIFIED", _job(**done, succeeded=1))
    assert len(seen) == 0  # nothing kept once the Job finished
    assert seen.changed("DELETED", _job(**done))


def test_a_job_this_operator_created_brings_nothing_new_when_it_appears() -> None:
    seen = JobChangeFilter()
    seen.created(_job())  # the manifest, as rendered: no status yet
    assert not seen.changed("ADDED", _job())
    failed = [{"type": "Failed", "status": "True", "reason": "DeadlineExceeded"}]
    assert seen.changed("MODIFIED", _job(conditions=failed))


def test_jobs_are_told_apart_by_name_and_a_deletion_of_a_running_job_passes() -> None:
    seen = JobChangeFilter()
    assert seen.changed("ADDED", _job("a"))
    assert seen.changed("ADDED", _job("b"))
    assert not seen.changed("MODIFIED", _job("a"))
    deleting = _job("b")
    deleting["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:05Z"
    assert seen.changed("MODIFIED", deleting)  # counts as failed (Deleted) from now
    assert len(seen) == 1
    assert seen.changed("DELETED", _job("a"))
    assert len(seen) == 0
