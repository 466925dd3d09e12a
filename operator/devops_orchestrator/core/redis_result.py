"""A DevOpsTask's status -> what the network sees in Redis: the `results:{task_id}` hash
fields (published as one JSON object on completion) and the milestone log lines. Pure."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from devops_orchestrator import constants as c
from devops_orchestrator.core.status import (
    FINAL_WORKER_PHASES,
    StoredStatus,
    WorkerState,
    read_status,
    render_stages,
)
from devops_orchestrator.core.workspace_gate import WAITING_REASON
from devops_orchestrator.models import AggregatedResult, TaskPhase, WorkerPhase

_STARTED = frozenset(
    {WorkerPhase.RUNNING, WorkerPhase.RETRYING, WorkerPhase.SUCCEEDED, WorkerPhase.FAILED}
)


@dataclass(frozen=True)
class Milestone:
    key: str  # unique per task: logged at most once
    text: str


def format_log_line(now: datetime, text: str) -> str:
    """`[<ISO-8601 UTC>] <text>` (PROTOCOL.md)."""
    return f"[{now.isoformat()}] {text}"


def task_id_of(body: Mapping[str, Any]) -> str:
    """Redis id of a DevOpsTask: spec.taskId, else the recorded id, else the object's uid."""
    spec = body.get("spec") or {}
    meta = body.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    return str(spec.get("taskId") or annotations.get(c.ANNOTATION_TASK_ID) or meta.get("uid") or "")


def build_in_progress_fields(task_id: str, now: datetime) -> dict[str, str]:
    return {"task_id": task_id, "status": c.STATUS_IN_PROGRESS, "started_at": now.isoformat()}


def build_failed_fields(task_id: str, error: str, now: datetime) -> dict[str, str]:
    """A task that could not even start (dead-lettered)."""
    output = AggregatedResult(
        status="failed", summary=error, issues=[{"severity": "error", "message": error}]
    )
    return {
        "task_id": task_id,
        "status": c.STATUS_FAILED,
        "output": output.model_dump_json(),
        "completed_at": now.isoformat(),
        "error": error,
    }


def build_final_fields(task_id: str, status: Mapping[str, Any], now: datetime) -> dict[str, str]:
    """The final hash fields for a task in a final phase.

    `partial` is `completed` at the hash level (output.status says partial); only a task
    with nothing usable is `failed`; a cancelled task is `failed` with error "cancelled"."""
    stored = read_status(status)
    phase = stored.phase.value if stored.phase else ""
    result = _result_object(stored)
    cancelled = stored.phase == TaskPhase.CANCELLED
    usable = result.get("status") in ("completed", "partial") and not cancelled
    fields = {
        "task_id": task_id,
        "status": c.STATUS_COMPLETED if usable else c.STATUS_FAILED,
        "output": json.dumps(result, sort_keys=True),
        "completed_at": stored.completed_at or now.isoformat(),
    }
    if not usable:
        fields["error"] = (
            "cancelled"
            if cancelled
            else (
                stored.message or str(result.get("summary") or "") or f"task ended in phase {phase}"
            )
        )
    return fields


def _result_object(stored: StoredStatus) -> dict[str, Any]:
    result = stored.result
    if result is not None and result.get("status") in ("completed", "partial", "failed"):
        return result
    outcome = {TaskPhase.SUCCEEDED: "completed", TaskPhase.PARTIALLY_SUCCEEDED: "partial"}
    base = AggregatedResult.model_validate(
        {
            "status": outcome.get(stored.phase, "failed") if stored.phase else "failed",
            "summary": stored.message,
        }
    )
    merged = base.model_dump(mode="json")
    if result is not None:
        merged.update({k: v for k, v in result.items() if k != "status"})
    return merged


def build_milestones(spec: Mapping[str, Any], status: Mapping[str, Any]) -> list[Milestone]:
    """Every milestone the status shows so far, in the order they happened: received,
    planned, each worker started (per attempt) and finished, completed."""
    description = " ".join(str(spec.get("description", "")).split())
    short = description if len(description) <= 120 else description[:117] + "..."
    milestones = [Milestone("received", f"received: {short}")]
    stored = read_status(status)
    waiting = _waiting_for_workspace(stored.conditions)
    if waiting:
        milestones.append(Milestone("waiting-workspace", waiting))
    workers = stored.workers
    if workers:
        plan = render_stages(stored.plan) if stored.plan else ", ".join(workers)
        milestones.append(Milestone("planned", f"planned: {plan}"))
    for name, worker in workers.items():
        attempt = max(1, worker.last_attempt)
        if worker.phase in _STARTED or worker.job_name:
            where = f", job {worker.job_name}" if worker.job_name else ""
            milestones.append(
                Milestone(f"started:{name}:{attempt}", f"{name} started (attempt {attempt}{where})")
            )
        if worker.phase in FINAL_WORKER_PHASES:
            milestones.append(Milestone(f"finished:{name}", _finished_text(worker)))
    if stored.final:
        summary = (stored.result or {}).get("summary")
        text = f"completed: {stored.phase.value if stored.phase else ''}"
        if summary or stored.message:
            text += f" - {summary or stored.message}"
        milestones.append(Milestone("completed", text))
    return milestones


def _waiting_for_workspace(conditions: list[Mapping[str, Any]]) -> str | None:
    """The message of a task waiting for its turn on a shared workspace (core.workspace_gate)."""
    for condition in conditions:
        if condition.get("type") == "Planned" and condition.get("reason") == WAITING_REASON:
            return str(condition.get("message") or "") or None
    return None


def _finished_text(worker: WorkerState) -> str:
    why = worker.error if worker.phase != WorkerPhase.SUCCEEDED else None
    return f"{worker.name} finished: {worker.phase.value}" + (f": {why}" if why else "")
