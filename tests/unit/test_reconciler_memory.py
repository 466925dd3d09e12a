"""What the reconciler keeps for finished tasks: no pass and no timer for a task a pass
cannot change, and no timer that holds the body of the event that scheduled it."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import weakref
from typing import Any

import pytest

from devops_orchestrator.config import get_settings
from devops_orchestrator.constants import API_VERSION, KIND
from devops_orchestrator.core.decision import Decision
from devops_orchestrator.core.jobs import build_job_config
from devops_orchestrator.reconcile import PassOutcome, Reconciler

KEY = ("ns", "t")
COMPLETE = [{"type": "Complete", "status": "True"}]


def _reconciler() -> Reconciler:
    return Reconciler(build_job_config(get_settings()), [], recheck_seconds=60.0)


def _task(phase: str) -> dict[str, Any]:
    meta = {"name": "t", "namespace": "ns", "uid": "uid-t", "generation": 1}
    return {"metadata": meta, "spec": {}, "status": {"phase": phase, "observedGeneration": 1}}


def _job(**status: Any) -> dict[str, Any]:
    ref = {"apiVersion": API_VERSION, "kind": KIND, "name": "t", "uid": "uid-t"}
    meta = {"name": "t-docker-1", "namespace": "ns", "uid": "uid-j", "ownerReferences": [ref]}
    return {"metadata": meta, "status": status}


async def _cancel_passes(reconciler: Reconciler) -> int:
    """How many passes were started; cancelled before they reach the API."""
    started = list(reconciler._background)
    for task in started:
        task.cancel()
    await asyncio.gather(*started, return_exceptions=True)
    return len(started)


async def test_a_job_of_a_task_not_watched_asks_for_no_pass() -> None:
    reconciler = _reconciler()
    # kopf's start-up listing of a settled task's finished Job (the task is not watched:
    # settled, or not listed yet; its own listing brings the pass).
    reconciler.job_event(None, _job(conditions=COMPLETE))
    reconciler.job_event("DELETED", _job(conditions=COMPLETE))
    assert await _cancel_passes(reconciler) == 0
    assert len(reconciler.job_changes) == 0 and len(reconciler.watched) == 0


async def test_a_job_of_a_watched_task_still_asks_for_its_pass() -> None:
    reconciler = _reconciler()
    reconciler.watched.observe_task("ADDED", _task("Running"))
    reconciler.job_event("ADDED", _job())
    assert await _cancel_passes(reconciler) == 1
    reconciler.job_event("MODIFIED", _job())  # nothing new in it
    assert await _cancel_passes(reconciler) == 0
    reconciler.job_event("MODIFIED", _job(conditions=COMPLETE))
    assert await _cancel_passes(reconciler) == 1


async def test_a_pass_over_a_settled_task_leaves_no_timer() -> None:
    reconciler = _reconciler()
    reconciler.trigger(*KEY, after=60.0)  # one an earlier pass scheduled
    settled = PassOutcome(task=_task("Succeeded"), decision=Decision(status={}, status_patch={}))
    reconciler._after_pass(KEY, settled)
    assert reconciler._requeues == {}
    running = PassOutcome(task=_task("Running"), decision=Decision(status={}, status_patch={}))
    reconciler._after_pass(KEY, running)
    assert list(reconciler._requeues) == [KEY]  # the safety net of an unfinished task
    reconciler._cancel_requeue(KEY)


class _Body:
    """Stands for the event body kopf keeps in its context while a handler runs."""


_EVENT: contextvars.ContextVar[_Body] = contextvars.ContextVar("event")


async def test_a_timer_does_not_keep_the_triggering_event_alive() -> None:
    reconciler = _reconciler()
    body = _Body()
    gone = weakref.ref(body)

    def handler(event: _Body) -> None:  # as kopf's: the body is in the context it runs in
        _EVENT.set(event)
        reconciler.trigger(*KEY, after=60.0)

    contextvars.copy_context().run(handler, body)
    del body
    gc.collect()
    assert gone() is None
    assert list(reconciler._requeues) == [KEY]
    reconciler._cancel_requeue(KEY)
    await asyncio.sleep(0)


async def test_the_safety_net_is_stretched_when_many_tasks_are_in_flight() -> None:
    """Each net reads its task and lists its Jobs: with 1,000 tasks waiting for their pods
    a net per task per minute loaded a cluster that was slow already."""
    reconciler = _reconciler()
    loop = asyncio.get_running_loop()
    running = PassOutcome(task=_task("Running"), decision=Decision(status={}, status_patch={}))
    reconciler.watched.observe_task("ADDED", _task("Running"))
    reconciler._after_pass(KEY, running)
    assert reconciler._requeues[KEY].when() - loop.time() == pytest.approx(60.0, abs=1.0)
    for index in range(1000):
        other = _task("Running")
        other["metadata"].update(name=f"t{index}", uid=f"uid-{index}")
        reconciler.watched.observe_task("ADDED", other)
    reconciler._after_pass(KEY, running)
    assert reconciler._requeues[KEY].when() - loop.time() == pytest.approx(500.5, abs=1.0)
    reconciler._cancel_requeue(KEY)
