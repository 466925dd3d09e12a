"""Which tasks leave the operator's watch and which come back (core/unwatch.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from devops_orchestrator import constants as c
from devops_orchestrator.core.unwatch import (
    WatchChange,
    index_jobs_by_task,
    select_settled_jobs,
    select_watch_changes,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
AFTER = 600.0


def task(
    name: str,
    *,
    phase: str = "Succeeded",
    finished_ago: float = 3600,
    marked: str | None = None,
    retry: str | None = None,
    annotations: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    spec: dict[str, Any] | None = None,
) -> dict[str, Any]:
    done = (NOW - timedelta(seconds=finished_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta: dict[str, Any] = {
        "name": name,
        "namespace": "ops",
        "generation": 1,
        "labels": {**(labels or {}), **({c.LABEL_SETTLED: marked} if marked else {})},
        "annotations": {**(annotations or {}), **({c.ANNOTATION_RETRY: retry} if retry else {})},
    }
    status = {"phase": phase, "observedGeneration": 1, "completedAt": done}
    return {"metadata": meta, "spec": {"description": "x", **(spec or {})}, "status": status}


def changes(*bodies: dict[str, Any]) -> list[WatchChange]:
    return select_watch_changes(bodies, now=NOW, after_seconds=AFTER, intake_namespace="ops")


def test_a_task_settled_long_enough_leaves_the_watch_once() -> None:
    assert changes(task("old")) == [WatchChange("ops", "old", True)]
    assert changes(task("old", marked="true")) == []  # already out


def test_running_recent_and_unanswered_tasks_stay_watched() -> None:
    assert changes(task("running", phase="Running")) == []
    assert changes(task("recent", finished_ago=AFTER - 1)) == []
    # a result to publish that is not out yet: the bridge still needs its events
    publish = {"publish": True, "taskId": "t1"}
    assert changes(task("asked", spec=publish)) == []
    out = {c.ANNOTATION_REDIS_PUBLISHED: "true"}
    assert changes(task("asked", spec=publish, annotations=out)) == [
        WatchChange("ops", "asked", True)
    ]


def test_a_retry_brings_an_unwatched_task_back() -> None:
    assert changes(task("old", marked="true", retry="2")) == [WatchChange("ops", "old", False)]
    # `false` is watched again (the selector is settled!=true); settled again: out again
    assert changes(task("old", marked="false")) == [WatchChange("ops", "old", True)]


def job_meta(name: str, owner_uid: str, settled: str | None = None) -> dict[str, Any]:
    """A Job as the collector lists it: PartialObjectMetadata."""
    owner = {"apiVersion": c.API_VERSION, "kind": c.KIND, "name": "t", "uid": owner_uid}
    labels = {c.LABEL_MANAGED_BY: c.MANAGED_BY, **({c.LABEL_SETTLED: settled} if settled else {})}
    meta = {"name": name, "namespace": "ops", "labels": labels, "ownerReferences": [owner]}
    return {"kind": "PartialObjectMetadata", "metadata": meta}


def with_uid(body: dict[str, Any], uid: str) -> dict[str, Any]:
    body["metadata"]["uid"] = uid
    return body


def test_the_jobs_of_a_settled_task_leave_the_job_watch_at_once() -> None:
    watched = index_jobs_by_task(
        [
            job_meta("done-docker-1", "uid-done"),
            job_meta("done-ci-1", "uid-done"),
            job_meta("done-infra-1", "uid-done", settled="true"),  # out already
            job_meta("running-docker-1", "uid-running"),
            job_meta("retried-docker-1", "uid-retried"),
            job_meta("failed-docker-1", "uid-failed"),
        ]
    )
    page = [
        # Finished a second ago and still watched itself (unwatch delay): its Jobs go.
        with_uid(task("done", finished_ago=1), "uid-done"),
        with_uid(task("running", phase="Running"), "uid-running"),
        # A retry not answered yet: its pass will read its Jobs; they stay.
        with_uid(task("retried", phase="Failed", retry="2"), "uid-retried"),
        with_uid(task("other", finished_ago=1), "uid-other"),  # no Job watched
    ]
    assert select_settled_jobs(page, watched) == [("ops", "done-docker-1"), ("ops", "done-ci-1")]
    assert select_settled_jobs([], watched) == []


def test_jobs_of_something_else_than_a_task_are_not_indexed() -> None:
    foreign = job_meta("cron-1", "uid-done")
    foreign["metadata"]["ownerReferences"][0].update(apiVersion="batch/v1", kind="CronJob")
    assert index_jobs_by_task([foreign]) == {}
