"""Results of finished Jobs are read once per newly finished Job, per task."""

from __future__ import annotations

from typing import Any

from devops_orchestrator.adapters.results import StoredResults
from devops_orchestrator.models import WorkerResult
from devops_orchestrator.result_cache import ResultCache, finished_job_names


def _job(name: str, condition: str | None = None, status: str = "True") -> dict[str, Any]:
    conditions = [{"type": condition, "status": status}] if condition else []
    return {"metadata": {"name": name}, "status": {"conditions": conditions}}


def test_finished_jobs_are_those_complete_or_failed() -> None:
    jobs = [
        _job("a", "Complete"),
        _job("b", "Failed"),
        _job("c"),
        _job("d", "Complete", "False"),
        _job("e", "SuccessCriteriaMet"),
    ]
    assert finished_job_names(jobs) == {"a", "b"}


def test_a_read_serves_until_another_job_finishes_or_the_task_changes() -> None:
    cache, key = ResultCache(), ("ns", "t")
    assert cache.get(key, "uid-1", frozenset()) == StoredResults()  # nothing finished yet
    assert cache.get(key, "uid-1", frozenset({"t-docker-1"})) is None
    stored = StoredResults(results={"t-docker-1": WorkerResult(summary="ok")})
    cache.put(key, "uid-1", frozenset({"t-docker-1"}), stored)
    assert cache.get(key, "uid-1", frozenset({"t-docker-1"})) is stored
    assert cache.get(key, "uid-1", frozenset({"t-docker-1", "t-infra-1"})) is None
    assert cache.get(key, "uid-2", frozenset({"t-docker-1"})) is None  # a namesake task
    cache.forget(key)
    assert len(cache) == 0


def test_what_was_read_is_known_to_the_next_read_of_that_very_task() -> None:
    cache, key = ResultCache(), ("ns", "t")
    assert cache.known(key, "uid-1") is None  # never read: the next read lists them
    stored = StoredResults(results={"t-docker-1": WorkerResult(summary="ok")})
    cache.put(key, "uid-1", frozenset({"t-docker-1"}), stored)
    assert cache.known(key, "uid-1") is stored
    assert cache.known(key, "uid-2") is None  # a namesake task
