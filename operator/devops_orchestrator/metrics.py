"""Prometheus metrics of the operator and the HTTP endpoint that serves them."""

from __future__ import annotations

import threading

from prometheus_client import Counter, Gauge, Histogram, start_http_server

from devops_orchestrator.models import TaskPhase

TASKS_BY_PHASE = Gauge("devops_tasks", "DevOpsTasks known to this operator, by phase", ["phase"])
WORKER_DURATION = Histogram(
    "devops_worker_duration_seconds",
    "Time from a worker's start to its final outcome",
    ["worker", "outcome"],
    buckets=(1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600),
)
JOBS_CREATED = Counter("devops_jobs_created_total", "Worker Jobs created", ["worker"])
RECONCILE_ERRORS = Counter(
    "devops_reconcile_errors_total", "Reconcile passes that failed", ["kind"]
)

_phases: dict[tuple[str, str], str] = {}
_phases_lock = threading.Lock()


def record_task_phase(namespace: str, name: str, phase: str) -> None:
    with _phases_lock:
        _phases[(namespace, name)] = phase
        _publish_phases()


def forget_task(namespace: str, name: str) -> None:
    with _phases_lock:
        _phases.pop((namespace, name), None)
        _publish_phases()


def _publish_phases() -> None:
    counts = {phase.value: 0 for phase in TaskPhase}
    for phase in _phases.values():
        counts[phase] = counts.get(phase, 0) + 1
    for phase, count in counts.items():
        TASKS_BY_PHASE.labels(phase=phase).set(count)


def start_metrics_server(port: int) -> bool:
    """Serve /metrics on `port` in a background thread; 0 disables. True when started."""
    if port <= 0:
        return False
    start_http_server(port)
    return True
