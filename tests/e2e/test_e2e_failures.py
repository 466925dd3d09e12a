"""Failing, slow and stopped workers: retries, Skipped dependants, the retry annotation,
deadlines and cancel. Workers run through `worker_with_faults.py`: the real worker, made
to fail or wait when the task's context asks (`context.e2e`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from devops_orchestrator.constants import ANNOTATION_RETRY
from e2e.operator_process import faulty_worker_settings
from e2e.taskutil import Tasks, job_is_running, job_worker, wait_for

OPERATOR_SETTINGS = faulty_worker_settings()
PIPELINE = ["docker-worker", "infra-worker", "ci-worker"]


def _workers(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {w["name"]: w for w in status["workers"]}


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_failing_worker_is_retried_then_partial_and_retry_reruns_only_what_failed(
    tasks: Tasks,
) -> None:
    name = "flaky-infra"
    tasks.create(
        name,
        description="Set up complete deployment pipeline for the application",
        workers=PIPELINE,
        maxRetries=1,
        context={"e2e": {"fail": {"infra-worker": 2}}},  # attempts 1 and 2 fail
    )
    status = tasks.wait_final(name, timeout=180)
    assert status["phase"] == "PartiallySucceeded", tasks.describe(name)
    workers = _workers(status)
    assert workers["docker-worker"]["phase"] == "Succeeded"
    assert workers["infra-worker"]["phase"] == "Failed"
    assert workers["infra-worker"]["attempts"] == 2  # the first try and maxRetries=1
    assert workers["infra-worker"]["error"]
    assert workers["ci-worker"]["phase"] == "Skipped"
    assert "infra-worker" in status["message"]
    assert status["result"]["status"] == "partial"
    assert any(i.get("worker") == "infra-worker" for i in status["result"]["issues"])
    first_round = [(job_worker(j), j.metadata.name) for j in tasks.jobs(name)]
    assert [w for w, _ in first_round] == ["docker-worker", "infra-worker", "infra-worker"]

    tasks.patch(name, {"metadata": {"annotations": {ANNOTATION_RETRY: "1"}}})
    status = wait_for(
        "the retry round to finish",
        lambda: (lambda s: s if s.get("phase") == "Succeeded" else None)(tasks.status(name)),
        timeout=180,
        explain=lambda: tasks.describe(name),
    )
    assert status["progress"] == "3/3"
    jobs = [(job_worker(j), j.metadata.name) for j in tasks.jobs(name)]
    # Only the failed and the skipped workers ran again; old Jobs are kept, new names.
    assert jobs[:3] == first_round
    assert sorted(w for w, _ in jobs[3:]) == ["ci-worker", "infra-worker"]
    assert len({n for _, n in jobs}) == len(jobs)
    assert status["result"]["status"] == "completed"


def test_deadline_fails_the_task_within_seconds_and_stops_its_jobs(tasks: Tasks) -> None:
    name = "too-slow"
    timeout = 10
    tasks.create(
        name,
        description="Containerize the application with a Dockerfile",
        timeoutSeconds=timeout,
        context={"e2e": {"sleep": {"docker-worker": 300}}},
    )
    status = tasks.wait_final(name, timeout=timeout + 60)
    assert status["phase"] == "Failed", tasks.describe(name)
    failed = [c for c in status["conditions"] if c.get("reason") == "DeadlineExceeded"]
    assert failed, tasks.describe(name)
    late = (_time(status["completedAt"]) - _time(status["startedAt"])).total_seconds()
    assert timeout <= late <= timeout + 10, status
    wait_for(
        "no Job of the task left running",
        lambda: not any(job_is_running(j) for j in tasks.jobs(name)),
        timeout=30,
        explain=lambda: tasks.describe(name),
    )
    assert "DeadlineExceeded" in {e.reason for e in tasks.events(name)}


def test_cancel_stops_running_jobs_and_delete_removes_them(tasks: Tasks) -> None:
    name = "cancel-me"
    tasks.create(
        name,
        description="Containerize the application with a Dockerfile",
        context={"e2e": {"sleep": {"docker-worker": 300}}},
    )
    tasks.wait_jobs(name, 1, timeout=60)
    tasks.patch(name, {"spec": {"cancel": True}})
    status = tasks.wait_final(name, timeout=60)
    assert status["phase"] == "Cancelled", tasks.describe(name)
    assert _workers(status)["docker-worker"]["phase"] == "Cancelled"
    wait_for(
        "the cancelled Job to stop",
        lambda: not any(job_is_running(j) for j in tasks.jobs(name)),
        timeout=30,
        explain=lambda: tasks.describe(name),
    )
    # Owned: deleting the task deletes whatever Jobs it still has.
    tasks.create("owner", description="Containerize the application with a Dockerfile")
    tasks.wait_final("owner", timeout=120)
    assert tasks.jobs("owner")
    tasks.custom.delete_namespaced_custom_object(
        "devops.agentnet.dev", "v1alpha1", tasks.namespace, "devopstasks", "owner"
    )
    wait_for("the owned Jobs to be garbage-collected", lambda: not tasks.jobs("owner"), 60)
