"""Routing and strategy as the cluster sees them: the Jobs that really get created."""

from __future__ import annotations

from e2e.taskutil import Tasks, job_finished_at, job_worker


def test_docker_only_task_creates_exactly_one_job(tasks: Tasks) -> None:
    tasks.create(
        "docker-only", description="Containerize the Node.js application with a Dockerfile"
    )
    status = tasks.wait_final("docker-only", timeout=120)
    assert status["phase"] == "Succeeded", tasks.describe("docker-only")
    assert status["progress"] == "1/1"
    assert [job_worker(j) for j in tasks.jobs("docker-only")] == ["docker-worker"]


def test_explicit_workers_override_the_keywords(tasks: Tasks) -> None:
    tasks.create(
        "explicit",
        description="Containerize the application with a Dockerfile",
        workers=["ci-worker"],
    )
    status = tasks.wait_final("explicit", timeout=120)
    assert status["phase"] == "Succeeded", tasks.describe("explicit")
    assert [job_worker(j) for j in tasks.jobs("explicit")] == ["ci-worker"]
    assert status["plan"]["stages"] == [["ci-worker"]]


def test_parallel_strategy_runs_both_jobs_at_once(tasks: Tasks) -> None:
    tasks.create(
        "parallel",
        description="Write a Dockerfile and a CI workflow for the service",
        strategy="parallel",
    )
    status = tasks.wait_final("parallel", timeout=120)
    assert status["phase"] == "Succeeded", tasks.describe("parallel")
    assert status["plan"]["stages"] == [sorted(["docker-worker", "ci-worker"])] or sorted(
        status["plan"]["stages"][0]
    ) == ["ci-worker", "docker-worker"]
    assert len(status["plan"]["stages"]) == 1
    jobs = tasks.jobs("parallel")
    assert sorted(job_worker(j) for j in jobs) == ["ci-worker", "docker-worker"]
    # Both existed before either completed.
    first_done = min(t for t in (job_finished_at(j) for j in jobs) if t is not None)
    assert all(j.metadata.creation_timestamp <= first_done for j in jobs), tasks.describe(
        "parallel"
    )
