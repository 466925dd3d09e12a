"""The one k8s Event a pass posts for the transitions its Decision saw. Pure.

A three-worker task used to post eight Events (planned, three starts, three successes,
the outcome), one API request each. A pass now posts one: the headline transition's
type and reason (the outcome when the task finished, else the first warning, else the
first transition), and the messages of all of them, the headline first, as far as an
Event's message holds them (`kubectl describe dt` shows each pass as one line).

A pass whose only transitions are routine (a worker started or succeeded, as planned)
posts none: the status tells each worker's phase and times, and the task's Events keep
what a person looks for: the plan (with the first start), every warning (a failure, a
retry, a wait) and the outcome. A three-worker task that goes as planned posts two."""

from __future__ import annotations

from collections.abc import Sequence

from devops_orchestrator.core.decision import EventToEmit

WARNING = "Warning"
MAX_MESSAGE_CHARS = 1024  # what the API server keeps of an Event's message (kopf cuts there)
SEPARATOR = "; "
ROUTINE = frozenset({"WorkerStarted", "WorkerSucceeded"})


def build_pass_event(events: Sequence[EventToEmit], *, finished: bool) -> EventToEmit | None:
    """One Event for the pass's `events` (in the Decision's order: the outcome last when
    the task `finished`); None when there is nothing to tell beyond routine progress."""
    if not events or (not finished and all(event.reason in ROUTINE for event in events)):
        return None
    warnings = [event for event in events if event.type == WARNING]
    headline = events[-1] if finished else (warnings or events)[0]
    message = headline.message
    for event in events:
        if event is not headline and len(message) + len(SEPARATOR) + len(event.message) <= (
            MAX_MESSAGE_CHARS
        ):
            message += SEPARATOR + event.message
    kind = WARNING if warnings else headline.type
    return EventToEmit(kind, headline.reason, message)
