"""The operator SIGKILLed mid-stage and started again finishes the task, with exactly one
Job per worker attempt: every pass rebuilds the state from the owned Jobs."""

from __future__ import annotations

from e2e.operator_process import OperatorProcess, faulty_worker_settings
from e2e.taskutil import Tasks, job_worker, wait_for

OPERATOR_SETTINGS = faulty_worker_settings()


def test_operator_killed_mid_stage_finishes_with_one_job_per_attempt(
    tasks: Tasks, operator: OperatorProcess
) -> None:
    name = "survivor"
    tasks.create(
        name,
        description="Set up complete deployment pipeline for the application",
        workers=["docker-worker", "infra-worker", "ci-worker"],
        context={"e2e": {"sleep": {"docker-worker": 4, "infra-worker": 2}}},
    )
    # Killed while the first stage runs; its Job finishes while nobody watches.
    tasks.wait_jobs(name, 1, timeout=60)
    operator.kill()
    wait_for(
        "the docker Job to complete with the operator down",
        lambda: all(j.status.succeeded for j in tasks.jobs(name)),
        timeout=60,
        explain=lambda: tasks.describe(name),
    )
    operator.start()
    # Killed again right after the next stage's Job appeared, restarted at once.
    tasks.wait_jobs(name, 2, timeout=60)
    operator.restart()

    status = tasks.wait_final(name, timeout=180)
    assert status["phase"] == "Succeeded", tasks.describe(name)
    jobs = tasks.jobs(name)
    assert [job_worker(j) for j in jobs] == ["docker-worker", "infra-worker", "ci-worker"]
    assert all(j.metadata.labels["devops.agentnet.dev/attempt"] == "1" for j in jobs)
    assert all(w["attempts"] == 1 for w in status["workers"])
