"""Unfinished tasks and their Jobs as the watches show them: which events ask for a
pass, when a task's Jobs may be taken from here, and that nothing stays once a task
settles or is deleted."""

from __future__ import annotations

from typing import Any

from devops_orchestrator.adapters.tasks import KubeTaskStore
from devops_orchestrator.constants import ANNOTATION_RETRY, API_VERSION, KIND
from devops_orchestrator.core.watch_view import build_job_view, is_older
from devops_orchestrator.watched import WatchedTasks

KEY = ("ns", "t")


def _task(rv: int, generation: int = 1, phase: str = "Running", **annotations: str) -> Any:
    return {
        "metadata": {
            "name": "t",
            "namespace": "ns",
            "uid": "uid-t",
            "generation": generation,
            "resourceVersion": str(rv),
            "annotations": annotations,
        },
        "spec": {"description": "Containerize it"},
        "status": {"phase": phase, "observedGeneration": generation},
    }


def _job(name: str, rv: int, owner: str = "t", uid: str = "uid-t", **status: Any) -> Any:
    ref = {"apiVersion": API_VERSION, "kind": KIND, "name": owner, "uid": uid}
    return {
        "metadata": {
            "name": name,
            "namespace": "ns",
            "uid": f"uid-{name}",
            "resourceVersion": str(rv),
            "labels": {"devops.agentnet.dev/worker": "docker-worker"},
            "ownerReferences": [ref],
        },
        "spec": {"template": {"spec": {"containers": [{"name": "worker"}]}}},
        "status": status,
    }


def test_a_new_task_passes_and_our_own_status_writes_do_not() -> None:
    watched = WatchedTasks()
    assert watched.observe_task("ADDED", _task(1))
    assert not watched.observe_task("MODIFIED", _task(2))  # a status write: same spec
    assert watched.observe_task("MODIFIED", _task(3, generation=2))  # the spec changed
    retry = {ANNOTATION_RETRY: "1"}
    assert watched.observe_task("MODIFIED", _task(4, generation=2, **retry))
    assert not watched.observe_task("MODIFIED", _task(5, generation=2, **retry))
    assert watched.task(KEY) == _task(5, generation=2, **retry)


def test_a_listed_task_passes_even_when_known() -> None:
    watched = WatchedTasks()
    assert watched.observe_task(None, _task(1))
    assert watched.observe_task(None, _task(1))  # listed again after a pause


def test_a_body_our_write_returned_is_not_replaced_by_an_older_event() -> None:
    watched = WatchedTasks()
    watched.observe_task("ADDED", _task(1))
    watched.remember_task(_task(3))
    assert not watched.observe_task("MODIFIED", _task(2))
    assert watched.task(KEY) == _task(3)
    watched.remember_task(_task(2))  # an older read loses too
    assert watched.task(KEY) == _task(3)


def test_jobs_come_from_the_watch_only_when_all_of_them_passed_through_it() -> None:
    created_live, listed = WatchedTasks(), WatchedTasks()
    created_live.observe_task("ADDED", _task(1))
    listed.observe_task(None, _task(1))
    assert created_live.jobs(KEY, "uid-t") == []  # created while we watched: none yet
    assert created_live.seen_from_creation(KEY)  # and no result stored by anyone else
    assert listed.jobs(KEY, "uid-t") is None  # found at start-up: list them once
    assert not listed.seen_from_creation(KEY)
    listed.seed_jobs(KEY, [_job("t-docker-1", 5)])
    assert listed.jobs(KEY, "uid-t") == [build_job_view(_job("t-docker-1", 5))]
    listed.observe_task(None, _task(1))  # listed again: events may have been missed
    assert listed.jobs(KEY, "uid-t") is None


def test_job_views_follow_events_keep_the_newest_and_drop_deleted_ones() -> None:
    watched = WatchedTasks()
    watched.observe_task("ADDED", _task(1))
    watched.add_created_job(KEY, _job("t-docker-1", 10))
    watched.observe_job("MODIFIED", _job("t-docker-1", 12, active=1))
    watched.observe_job("ADDED", _job("t-docker-1", 10))  # late: older than what we have
    (view,) = watched.jobs(KEY, "uid-t") or []
    assert view["status"] == {"active": 1}
    assert "spec" not in view  # the pod template is not kept
    watched.observe_job("MODIFIED", _job("t-ci-1", 13, uid="uid-namesake"))
    assert [j["metadata"]["name"] for j in watched.jobs(KEY, "uid-t") or []] == ["t-docker-1"]
    watched.observe_job("DELETED", _job("t-docker-1", 14))
    assert watched.jobs(KEY, "uid-t") == []


def test_a_seed_keeps_views_newer_than_the_list() -> None:
    watched = WatchedTasks()
    watched.observe_task(None, _task(1))
    watched.observe_job("MODIFIED", _job("t-docker-1", 20, succeeded=1))
    watched.seed_jobs(KEY, [_job("t-docker-1", 15, active=1), _job("t-docker-2", 16)])
    views = {j["metadata"]["name"]: j["status"] for j in watched.jobs(KEY, "uid-t") or []}
    assert views == {"t-docker-1": {"succeeded": 1}, "t-docker-2": {}}


def test_nothing_is_kept_of_settled_deleted_or_unknown_tasks() -> None:
    watched = WatchedTasks()
    watched.observe_job("ADDED", _job("t-docker-1", 2))  # its task is not ours (yet)
    assert watched.observe_task("ADDED", _task(1))
    assert watched.jobs(KEY, "uid-t") == []
    watched.add_created_job(KEY, _job("t-docker-1", 3))
    assert not watched.observe_task("MODIFIED", _task(4, phase="Succeeded"))
    assert len(watched) == 0 and watched.jobs(KEY, "uid-t") is None
    watched.observe_job("MODIFIED", _job("t-docker-1", 5))  # after it settled
    assert watched.jobs(KEY, "uid-t") is None
    assert watched.observe_task("ADDED", _task(6))
    assert not watched.observe_task("DELETED", _task(7))
    assert len(watched) == 0 and watched.task(KEY) is None


def test_a_kept_task_has_no_managed_fields() -> None:
    watched = WatchedTasks()
    listed = _task(1)
    listed["metadata"]["managedFields"] = [{"manager": "devops-orchestrator", "fieldsV1": {}}]
    watched.observe_task(None, listed)
    written = _task(2)
    written["metadata"]["managedFields"] = listed["metadata"]["managedFields"]
    watched.remember_task(written)
    assert watched.task(KEY) == _task(2)
    assert "managedFields" in written["metadata"]  # the caller's body is left as it is


def test_a_settled_task_retried_while_watched_lists_its_jobs_again() -> None:
    """Its Jobs left the Job watch when it settled (core.unwatch): its next pass must not
    take "no Job" from here."""
    watched = WatchedTasks()
    assert watched.observe_task("ADDED", _task(1))
    watched.add_created_job(KEY, _job("t-docker-1", 2))
    assert not watched.observe_task("MODIFIED", _task(3, phase="Failed"))
    retried = _task(4, phase="Failed", **{ANNOTATION_RETRY: "1"})
    assert watched.observe_task("MODIFIED", retried)
    assert watched.jobs(KEY, "uid-t") is None


def test_resource_versions_order_copies_of_one_object() -> None:
    assert is_older(_task(9), _task(10))
    assert not is_older(_task(10), _task(9))
    assert not is_older(_task(10), _task(10))
    unknown = {"metadata": {"resourceVersion": "opaque"}}
    assert not is_older(unknown, _task(1)) and not is_older(_task(1), unknown)


def test_the_bridge_reads_a_watched_task_from_the_operators_view() -> None:
    watched = WatchedTasks()
    watched.observe_task("ADDED", _task(1))
    store = KubeTaskStore(("ns",), watched.task)
    assert store.get("ns", "t") == _task(1)  # no API call: the watch holds it


def test_a_job_as_rendered_is_replaced_by_its_first_event() -> None:
    watched = WatchedTasks()
    watched.observe_task("ADDED", _task(1))
    rendered = _job("t-docker-1", 0)
    del rendered["metadata"]["resourceVersion"], rendered["metadata"]["uid"]
    watched.add_created_job(KEY, rendered)
    assert [j["metadata"]["name"] for j in watched.jobs(KEY, "uid-t") or []] == ["t-docker-1"]
    watched.observe_job("ADDED", _job("t-docker-1", 7))
    (view,) = watched.jobs(KEY, "uid-t") or []
    assert view["metadata"]["uid"] == "uid-t-docker-1"
