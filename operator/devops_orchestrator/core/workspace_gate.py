"""The reconciler's side of "one writer per workspace". Pure.

Before a task on a shared volume starts, it must hold its workspace (core.workspace_lock).
While another task writes there it waits: phase Pending, the reason in its message and
its Planned condition (the Redis log shows it once). Past the configured wait it fails,
saying who held the workspace. A task that already started is never rewound: if it
lost its entry (someone emptied the table), it holds still until it gets it back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from devops_orchestrator.core.aggregate import aggregate
from devops_orchestrator.core.decision import Decision, EventToEmit, Observation
from devops_orchestrator.core.planning import Plan
from devops_orchestrator.core.status import (
    StatusParts,
    build_status_patch,
    compact_result,
    format_time,
    read_status,
    render_status,
)
from devops_orchestrator.core.workspace_lock import LockDecision, Writer, describe_wait
from devops_orchestrator.models import DevOpsTaskSpec, TaskPhase

WAITING_REASON = "WaitingForWorkspace"
GAVE_UP_REASON = "WorkspaceBusy"
RECHECK_SECONDS = 2.0


def claim_of(spec: DevOpsTaskSpec) -> tuple[str, str] | None:
    """(claim, subPath) of a task working on a shared volume, else None."""
    volume = spec.workspace.volume if spec.workspace is not None else None
    if volume is None:
        return None
    return volume.claim_name, volume.sub_path.strip("/")


def describe_workspace(spec: DevOpsTaskSpec) -> str:
    """The workspace as people know it: the network's path, else claim and subPath."""
    named = spec.context.get("workspace")
    if isinstance(named, str) and named:
        return named
    where = claim_of(spec)
    return f"{where[0]}:/{where[1]}" if where else "(none)"


def build_writer(task: Mapping[str, Any], spec: DevOpsTaskSpec, now: datetime) -> Writer | None:
    """The task as a writer of its workspace, or None when it has no shared volume."""
    where = claim_of(spec)
    if where is None:
        return None
    meta = task.get("metadata") or {}
    return Writer(str(meta.get("name", "")), str(meta.get("uid", "")), where[1], now.isoformat())


def has_started(status: Mapping[str, Any]) -> bool:
    return read_status(status).plan is not None


def gate(
    obs: Observation, lock: LockDecision | None, *, max_wait_seconds: float
) -> Decision | None:
    """None when the task may go on (`decide` takes over); else the decision of a task
    that waits for its workspace, or gives up waiting."""
    if lock is None or lock.granted:
        return None
    stored = read_status(obs.status)
    if stored.final:
        return None
    if stored.plan is not None:  # started: hold still, never rewind its status
        return Decision(status=dict(obs.status), status_patch={}, requeue_after=RECHECK_SECONDS)
    message = describe_wait(lock, describe_workspace(obs.spec), max_wait_seconds)
    token = stored.retry_token if stored.recorded else obs.retry_token
    final = lock.timed_out
    stamp = format_time(obs.now)
    result = None
    if final:
        failed = aggregate(Plan(stages=()), {}, {}, {}).model_copy(
            update={"summary": message, "issues": [{"severity": "error", "message": message}]}
        )
        result = compact_result(failed)
    parts = StatusParts(
        phase=TaskPhase.FAILED if final else TaskPhase.PENDING,
        reason=GAVE_UP_REASON if final else WAITING_REASON,
        message=message,
        plan=None,
        plan_message=message,
        workers=[],
        result=result,
        started_at=stored.started_at,  # the task's deadline counts from its start
        completed_at=stamp if final else None,
        retry_token=token,
        planned=False,
    )
    status = render_status(stored, parts, generation=obs.generation, now=obs.now)
    patch = build_status_patch(obs.status, status)
    events: tuple[EventToEmit, ...] = ()
    if patch and stored.message != message:
        kind = "Warning" if final else "Normal"
        events = (EventToEmit(kind, GAVE_UP_REASON if final else WAITING_REASON, message),)
    return Decision(
        status=status,
        status_patch=patch,
        events=events,
        requeue_after=None if final else RECHECK_SECONDS,
        finished=final,
    )
