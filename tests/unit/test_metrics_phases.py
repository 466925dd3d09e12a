"""The tasks-by-phase gauge follows each task's moves without a per-pass scan."""

from __future__ import annotations

from prometheus_client import REGISTRY

from devops_orchestrator import metrics


def _gauge(phase: str) -> float:
    value = REGISTRY.get_sample_value("devops_tasks", {"phase": phase})
    return 0.0 if value is None else value


def test_a_task_counts_once_in_its_latest_phase_and_not_after_it_is_forgotten() -> None:
    running, done = _gauge("Running"), _gauge("Succeeded")
    metrics.record_task_phase("ns-phases", "a", "Running")
    metrics.record_task_phase("ns-phases", "b", "Running")
    assert _gauge("Running") == running + 2
    metrics.record_task_phase("ns-phases", "a", "Succeeded")
    metrics.record_task_phase("ns-phases", "a", "Succeeded")  # a repeated pass
    assert (_gauge("Running"), _gauge("Succeeded")) == (running + 1, done + 1)
    metrics.forget_task("ns-phases", "b")
    metrics.forget_task("ns-phases", "a")
    metrics.forget_task("ns-phases", "never-seen")
    assert (_gauge("Running"), _gauge("Succeeded")) == (running, done)
    assert _gauge("Cancelled") == 0.0  # every phase is exported from the start
