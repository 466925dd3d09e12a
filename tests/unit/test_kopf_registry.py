"""The operator's kopf handlers are event handlers only: kopf then writes nothing to our
objects (no finalizer, progress or diff-base annotations), and `handlers.NoDiffBase`
may skip the diff kopf would compute of every event."""

from __future__ import annotations

import kopf

import devops_orchestrator.handlers  # noqa: F401  (registers every handler of the operator)


def test_no_handler_needs_kopfs_diff_or_a_finalizer() -> None:
    registry = kopf.get_default_registry()
    # kopf has no public view of these; an on.create/update/resume/delete/field handler
    # (changing) or a daemon/timer (spawning) would need the diff base or a finalizer.
    assert list(registry._changing._handlers) == []
    assert list(registry._spawning._handlers) == []
    assert list(registry._watching._handlers)  # the task, Job, bridge and progress events
