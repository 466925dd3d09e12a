"""Latency, queueing and orchestration overhead of the tasks of one run (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.stats import summarize


@dataclass(frozen=True)
class TaskTiming:
    pushed: float  # LPUSH (monotonic seconds)
    seen: float | None  # the DevOpsTask first seen on the watch (taken off the queue)
    final: float  # the final result published
    stages: int  # stages in the task's plan


def build_overheads(timings: Sequence[TaskTiming], worker_seconds: float) -> dict[str, Any]:
    """Latency (push -> final), queue wait (push -> task created: the in-flight cap's
    share) and orchestration overhead per stage: (created -> final, minus the workers'
    own time, one `worker_seconds` per stage) / stages. Tasks never seen or without a
    plan are counted, not measured."""
    latency = [t.final - t.pushed for t in timings]
    measured = [t for t in timings if t.seen is not None and t.stages > 0]
    wait = [t.seen - t.pushed for t in measured if t.seen is not None]
    per_stage = [
        (t.final - t.seen - t.stages * worker_seconds) / t.stages
        for t in measured
        if t.seen is not None
    ]
    return {
        "latency_s": summarize(latency),
        "queue_wait_s": summarize(wait),
        "overhead_per_stage_s": summarize(per_stage),
        "stages": summarize([float(t.stages) for t in measured]),
        "tasks_unmeasured": len(timings) - len(measured),
    }
