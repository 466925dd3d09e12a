"""The progress gate, table by table, with a fixed clock."""

from __future__ import annotations

import pytest

from devops_orchestrator.core.progress_throttle import Gate, Throttle, admit, with_task_count

FIVE_SECONDS = Throttle(interval_seconds=5.0, cap=3)


def run(throttle: Throttle, times: list[float], gate: Gate | None = None) -> list[int | None]:
    """The verdict for a tool call at each time: None (held) or the held calls it carries."""
    gate = gate or Gate()
    verdicts = []
    for now in times:
        gate, verdict = admit(gate, throttle, now)
        verdicts.append(verdict)
    return verdicts


@pytest.mark.parametrize(
    ("times", "verdicts"),
    [
        ([0.0], [0]),  # the first call goes at once
        ([0.0, 1.0, 2.0, 4.9], [0, None, None, None]),  # within the interval: held
        ([0.0, 1.0, 2.0, 5.0], [0, None, None, 2]),  # the next line summarises two
        ([0.0, 5.0, 10.0], [0, 0, 0]),  # exactly the interval: each goes
        ([0.0, 6.0, 7.0, 12.0, 13.0, 20.0], [0, 0, None, 1, None, None]),  # the cap (3)
    ],
)
def test_one_line_per_interval_and_a_cap_per_task(
    times: list[float], verdicts: list[int | None]
) -> None:
    assert run(FIVE_SECONDS, times) == verdicts


def test_the_cap_counts_the_tasks_other_lines() -> None:
    gate = with_task_count(Gate(), 2)  # two lines of other workers of the task
    assert run(FIVE_SECONDS, [0.0, 10.0], gate) == [0, None]
    assert with_task_count(Gate(task_sent=3), 1).task_sent == 3  # never lowered


def test_a_zero_interval_relays_everything_up_to_the_cap() -> None:
    assert run(Throttle(0.0, 2), [0.0, 0.0, 0.0]) == [0, 0, None]


def test_held_calls_are_counted_past_the_cap() -> None:
    gate = Gate()
    for now in (0.0, 1.0, 2.0):
        gate, _ = admit(gate, Throttle(5.0, 1), now)
    assert gate == Gate(last_sent=0.0, held=2, task_sent=1)
