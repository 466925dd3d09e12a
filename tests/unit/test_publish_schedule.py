"""When the sweep lists the unpublished tasks: at the first sweep, after a failure, and
at least every `relist_seconds`; never twice for one failure."""

from __future__ import annotations

from devops_orchestrator.bridge.publish_schedule import PublishSchedule


def test_a_listing_is_due_first_after_a_failure_and_when_stale() -> None:
    now = [0.0]
    schedule = PublishSchedule(relist_seconds=300.0, monotonic=lambda: now[0])
    assert schedule.take_due()  # the first sweep
    assert not schedule.take_due()
    now[0] = 299.0
    assert not schedule.take_due()
    schedule.owe()
    schedule.owe()
    assert schedule.take_due()  # one listing for both failures
    assert not schedule.take_due()
    now[0] = 299.0 + 300.0
    assert schedule.take_due()  # stale: the catch-up
    assert not schedule.take_due()
