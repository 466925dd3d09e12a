"""Settled tasks leave the operator's watch (so thousands of them cost it no memory) and
a retry brings one back: the collector labels it, the real operator re-runs it. The
times are cut to a second here (600 s and 60 s by default)."""

from __future__ import annotations

from devops_orchestrator.constants import ANNOTATION_RETRY, LABEL_SETTLED
from e2e.operator_process import faulty_worker_settings
from e2e.taskutil import Tasks, job_worker, wait_for

OPERATOR_SETTINGS = {
    **faulty_worker_settings(),
    "DEVOPS_UNWATCH_SETTLED_AFTER_SECONDS": "1",
    "DEVOPS_GC_INTERVAL_SECONDS": "1",
}


def _label(tasks: Tasks, name: str) -> str | None:
    labels = tasks.get(name)["metadata"].get("labels") or {}
    return labels.get(LABEL_SETTLED)


def _job_labels(tasks: Tasks, name: str) -> list[str | None]:
    return [(j.metadata.labels or {}).get(LABEL_SETTLED) for j in tasks.jobs(name)]


def test_a_settled_task_leaves_the_watch_and_a_retry_brings_it_back(tasks: Tasks) -> None:
    name = "settles-then-retried"
    tasks.create(
        name,
        description="Containerize the Node.js app with a Dockerfile",
        workers=["docker-worker"],
        maxRetries=0,
        context={"project_type": "nodejs", "e2e": {"fail": {"docker-worker": 1}}},
    )
    assert tasks.wait_final(name, timeout=120)["phase"] == "Failed", tasks.describe(name)
    wait_for(
        "the collector to take the settled task out of the watch",
        lambda: _label(tasks, name) == "true",
        timeout=60,
        explain=lambda: tasks.describe(name),
    )
    wait_for(
        "its Job to leave the Job watch too",
        lambda: _job_labels(tasks, name) == ["true"],
        timeout=60,
        explain=lambda: tasks.describe(name),
    )

    tasks.patch(name, {"metadata": {"annotations": {ANNOTATION_RETRY: "1"}}})
    status = wait_for(
        "the retried task to run again and succeed",
        lambda: (lambda s: s if s.get("phase") == "Succeeded" else None)(tasks.status(name)),
        timeout=120,
        explain=lambda: tasks.describe(name),
    )
    assert status["retryToken"] == "1"
    # Its pass knew the earlier Job (listed on its return): one new Job, a new name.
    jobs = [(job_worker(j), j.metadata.name) for j in tasks.jobs(name)]
    assert [w for w, _ in jobs] == ["docker-worker", "docker-worker"]
    assert len({n for _, n in jobs}) == 2
    wait_for(
        "the task and both its Jobs to leave the watch again once settled",
        lambda: _label(tasks, name) == "true" and _job_labels(tasks, name) == ["true", "true"],
        timeout=60,
        explain=lambda: tasks.describe(name),
    )
