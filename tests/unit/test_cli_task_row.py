"""`devopsctl get`'s row of a task: the task's spend and each worker's, from the status."""

from __future__ import annotations

from datetime import UTC, datetime

from devops_orchestrator.cli.cluster import build_task_row
from devops_orchestrator.core.spend import render_usage
from devops_orchestrator.core.status import read_status, render_worker
from devops_orchestrator.models import TokenUsage, WorkerPhase

NOW = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)
SPENT = TokenUsage(input_tokens=100, output_tokens=50, cache_read_tokens=800, cost_usd=0.01234)


def test_the_row_lists_each_worker_with_its_usage() -> None:
    workers = read_status(
        {
            "workers": [
                {"name": "docker-worker", "phase": "Succeeded", "usage": render_usage(SPENT)},
                {"name": "ci-worker", "phase": "Running"},
            ]
        }
    ).workers
    assert workers["docker-worker"].usage == SPENT
    assert workers["docker-worker"].phase == WorkerPhase.SUCCEEDED
    status = {
        "phase": "Running",
        "usage": render_usage(SPENT),
        "workers": [render_worker(state) for state in workers.values()],
    }
    item = {
        "metadata": {"name": "t", "namespace": "ns", "creationTimestamp": "2026-11-23T20:00:00Z"},
        "status": status,
    }
    row = build_task_row(item, NOW)
    assert (row["tokens"], row["cost_usd"], row["age"]) == (950, 0.0123, "1h")
    assert row["workers"] == [
        {"name": "docker-worker", "phase": "Succeeded", "tokens": 950, "cost_usd": 0.0123},
        {"name": "ci-worker", "phase": "Running", "tokens": 0, "cost_usd": 0.0},
    ]
