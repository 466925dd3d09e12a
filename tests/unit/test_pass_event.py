"""A pass posts one Event for all the transitions it saw (pure)."""

from __future__ import annotations

from devops_orchestrator.core.decision import EventToEmit
from devops_orchestrator.core.pass_event import MAX_MESSAGE_CHARS, build_pass_event

PLANNED = EventToEmit("Normal", "Planned", "Planned docker-worker, ci-worker")
STARTED = EventToEmit("Normal", "WorkerStarted", "docker-worker started (attempt 1)")
SUCCEEDED = EventToEmit("Normal", "WorkerSucceeded", "docker-worker succeeded")
RETRYING = EventToEmit("Warning", "WorkerRetrying", "ci-worker failed; retrying (attempt 2)")
COMPLETED = EventToEmit("Normal", "Completed", "Completed: 2 workers succeeded")


def test_nothing_to_tell_posts_nothing_and_one_transition_posts_itself() -> None:
    assert build_pass_event((), finished=False) is None
    assert build_pass_event((RETRYING,), finished=False) == RETRYING


def test_a_pass_of_routine_progress_only_posts_nothing() -> None:
    assert build_pass_event((STARTED,), finished=False) is None
    assert build_pass_event((SUCCEEDED, STARTED), finished=False) is None
    assert build_pass_event((SUCCEEDED, COMPLETED), finished=True) is not None
    retried = build_pass_event((SUCCEEDED, RETRYING), finished=False)
    assert retried is not None and retried.reason == "WorkerRetrying"


def test_the_first_transition_heads_a_pass_and_all_messages_are_kept_in_order() -> None:
    event = build_pass_event((PLANNED, STARTED), finished=False)
    assert event == EventToEmit(
        "Normal", "Planned", "Planned docker-worker, ci-worker; docker-worker started (attempt 1)"
    )


def test_a_warning_heads_a_running_pass_and_the_outcome_a_finished_one() -> None:
    warned = build_pass_event((SUCCEEDED, RETRYING), finished=False)
    assert warned is not None
    assert (warned.type, warned.reason) == ("Warning", "WorkerRetrying")
    assert warned.message == f"{RETRYING.message}; {SUCCEEDED.message}"
    done = build_pass_event((SUCCEEDED, COMPLETED), finished=True)
    assert done == EventToEmit("Normal", "Completed", f"{COMPLETED.message}; {SUCCEEDED.message}")


def test_the_headline_message_is_whole_and_others_only_as_far_as_they_fit() -> None:
    long_plan = EventToEmit("Normal", "Planned", "p" * (MAX_MESSAGE_CHARS - 10))
    event = build_pass_event((long_plan, STARTED), finished=False)
    assert event is not None and event.message == long_plan.message
