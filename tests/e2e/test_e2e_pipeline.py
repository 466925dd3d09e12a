"""`kubectl apply -f examples/pipeline-task.yaml` to `kubectl get devopstasks`: three
worker Jobs, stage by stage, and the aggregated result in the status."""

from __future__ import annotations

import itertools
import urllib.request
from pathlib import Path
from typing import Any

from e2e.operator_process import OperatorProcess
from e2e.taskutil import Tasks, job_finished_at, job_worker

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pipeline-task.yaml"
RESULT_KEYS = {
    "status",
    "workers_used",
    "files_created",
    "files_modified",
    "summary",
    "issues",
    "deployment_info",
    "details",
}


def test_pipeline_example_runs_docker_then_infra_then_ci(
    cluster: Any, tasks: Tasks, operator: OperatorProcess
) -> None:
    cluster.kubectl("apply", "-n", tasks.namespace, "-f", str(EXAMPLE))
    found = cluster.kubectl("get", "-n", tasks.namespace, "-f", str(EXAMPLE), "-o", "name")
    name = found.stdout.strip().split("/")[-1]

    status = tasks.wait_final(name, timeout=240)
    assert status["phase"] == "Succeeded", tasks.describe(name)
    assert status["progress"] == "3/3"

    jobs = tasks.jobs(name)
    assert [job_worker(j) for j in jobs] == ["docker-worker", "infra-worker", "ci-worker"]
    # Each stage starts only once the one before it has completed.
    for earlier, later in itertools.pairwise(jobs):
        finished = job_finished_at(earlier)
        assert finished is not None
        assert later.metadata.creation_timestamp >= finished, tasks.describe(name)
    assert status["plan"]["stages"] == [["docker-worker"], ["infra-worker"], ["ci-worker"]]

    result = status["result"]
    assert set(result) == RESULT_KEYS
    assert result["status"] == "completed"
    assert result["workers_used"] == ["docker-worker", "infra-worker", "ci-worker"]
    assert set(result["details"]) == {"docker-worker", "infra-worker", "ci-worker"}
    assert "/workspace/Dockerfile" in result["files_created"]  # named under context.workspace
    assert len(result["files_created"]) == len(set(result["files_created"]))
    assert all(w["phase"] == "Succeeded" for w in status["workers"])

    table = cluster.kubectl("get", "devopstasks", "-n", tasks.namespace).stdout
    row = next(line for line in table.splitlines() if line.startswith(name))
    assert "Succeeded" in row and "3/3" in row, table

    # One Event per pass that is more than routine progress: the plan (with the first
    # start) and the outcome; the workers' own starts and successes are in the status.
    events = tasks.events(name)
    assert sorted(e.reason for e in events) == ["Completed", "Planned"], events
    told = " ".join(e.message or "" for e in events)
    assert f"{result['workers_used'][0]} started" in told, told
    assert "All 3 workers succeeded" in told, told

    with urllib.request.urlopen(operator.metrics_url, timeout=5) as response:
        metrics = response.read().decode()
    assert 'devops_jobs_created_total{worker="docker-worker"}' in metrics
    assert 'devops_worker_duration_seconds_count{outcome="Succeeded",worker="ci-worker"}' in metrics
