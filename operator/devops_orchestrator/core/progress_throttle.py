"""How often a worker's progress is relayed, per channel (the Redis log list, k8s
Events). Pure: the caller keeps a `Gate` per worker and channel and passes `now`.

At most one line per `interval` seconds per worker, and `cap` lines per task (counted
with the other workers' lines of the task, which the caller learns from the channel);
tool calls held back in between are counted and summarised in the next line."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Throttle:
    interval_seconds: float
    cap: int  # lines per task on this channel


@dataclass(frozen=True)
class Gate:
    last_sent: float | None = None  # when this worker's last line went (monotonic)
    held: int = 0  # tool calls held back since then
    task_sent: int = 0  # lines of the task on this channel, as far as known


def admit(gate: Gate, throttle: Throttle, now: float) -> tuple[Gate, int | None]:
    """(the next gate, None to hold this call back, or the number of held calls the
    line for this call summarises)."""
    if gate.task_sent >= throttle.cap:
        return replace(gate, held=gate.held + 1), None
    if gate.last_sent is not None and now - gate.last_sent < throttle.interval_seconds:
        return replace(gate, held=gate.held + 1), None
    return Gate(last_sent=now, held=0, task_sent=gate.task_sent + 1), gate.held


def with_task_count(gate: Gate, task_sent: int) -> Gate:
    """The gate once the channel says how many lines the task has (never lower)."""
    return replace(gate, task_sent=max(gate.task_sent, task_sent))
