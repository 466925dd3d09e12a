"""A DevOpsTask's status -> what the network sees in Redis: the `results:{task_id}` hash
fields (published as one JSON object on completion) and the milestone log lines. Pure."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from devops_orchestrator import constants as c
from devops_orchestrator.models import FINAL_PHASES, AggregatedResult, TaskPhase

_STARTED = frozenset({"Running", "Retrying", "Succeeded", "Failed"})
_FINISHED = frozenset({"Succeeded", "Failed", "Skipped", "Cancelled"})


@dataclass(frozen=True)
class Milestone:
    key: str  # unique per task: logged at most once
    text: str


def format_log_line(now: datetime, text: str) -> str:
    """`[<ISO-8601 UTC>] <text>` (PROTOCOL.md)."""
    return f"[{now.isoformat()}] {text}"


def is_final(status: Mapping[str, Any]) -> bool:
    return status.get("phase") in {p.value for p in FINAL_PHASES}


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
    phase = str(status.get("phase", ""))
    message = str(status.get("message") or "")
    result = _result_object(status, phase, message)
    cancelled = phase == TaskPhase.CANCELLED.value
    usable = result.get("status") in ("completed", "partial") and not cancelled
    fields = {
        "task_id": task_id,
        "status": c.STATUS_COMPLETED if usable else c.STATUS_FAILED,
        "output": json.dumps(result, sort_keys=True),
        "completed_at": _completed_at(status, now),
    }
    if not usable:
        fields["error"] = (
            "cancelled"
            if cancelled
            else (message or str(result.get("summary") or "") or f"task ended in phase {phase}")
        )
    return fields


def _result_object(status: Mapping[str, Any], phase: str, message: str) -> dict[str, Any]:
    result = status.get("result")
    if isinstance(result, Mapping) and result.get("status") in ("completed", "partial", "failed"):
        return dict(result)
    outcome = {"Succeeded": "completed", "PartiallySucceeded": "partial"}.get(phase, "failed")
    base = AggregatedResult.model_validate({"status": outcome, "summary": message})
    merged = base.model_dump(mode="json")
    if isinstance(result, Mapping):
        merged.update({k: v for k, v in result.items() if k != "status"})
    return merged


def _completed_at(status: Mapping[str, Any], now: datetime) -> str:
    for key in ("completionTime", "completedAt", "finishedAt"):
        value = status.get(key)
        if isinstance(value, str) and value:
            return value
    return now.isoformat()


def build_milestones(spec: Mapping[str, Any], status: Mapping[str, Any]) -> list[Milestone]:
    """Every milestone the status shows so far, in the order they happened: received,
    planned, each worker started (per attempt) and finished, completed."""
    description = " ".join(str(spec.get("description", "")).split())
    short = description if len(description) <= 120 else description[:117] + "..."
    milestones = [Milestone("received", f"received: {short}")]
    workers = _workers(status)
    if workers:
        plan_obj = status.get("plan")
        stages = plan_obj.get("stages") if isinstance(plan_obj, Mapping) else status.get("stages")
        plan = ", ".join(workers)
        if isinstance(stages, list) and stages:
            plan = " -> ".join(
                "[" + ", ".join(str(w) for w in stage) + "]"
                if isinstance(stage, list)
                else str(stage)
                for stage in stages
            )
        milestones.append(Milestone("planned", f"planned: {plan}"))
    for name, worker in workers.items():
        phase = str(worker.get("phase", ""))
        attempt = _attempt(worker)
        if phase in _STARTED or worker.get("jobName"):
            job = worker.get("jobName")
            where = f", job {job}" if job else ""
            milestones.append(
                Milestone(f"started:{name}:{attempt}", f"{name} started (attempt {attempt}{where})")
            )
        if phase in _FINISHED:
            why = worker.get("message") or worker.get("error") or worker.get("reason")
            tail = f": {why}" if why and phase != "Succeeded" else ""
            milestones.append(Milestone(f"finished:{name}", f"{name} finished: {phase}{tail}"))
    if is_final(status):
        result = status.get("result")
        summary = result.get("summary") if isinstance(result, Mapping) else None
        text = f"completed: {status.get('phase')}"
        if summary or status.get("message"):
            text += f" - {summary or status.get('message')}"
        milestones.append(Milestone("completed", text))
    return milestones


def _workers(status: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """status.workers as {name: entry}, whether stored as a map or as a list."""
    raw = status.get("workers")
    if isinstance(raw, Mapping):
        return {str(k): v for k, v in raw.items() if isinstance(v, Mapping)}
    if isinstance(raw, list):
        out: dict[str, Mapping[str, Any]] = {}
        for entry in raw:
            if isinstance(entry, Mapping):
                name = entry.get("name") or entry.get("worker")
                if name:
                    out[str(name)] = entry
        return out
    return {}


def _attempt(worker: Mapping[str, Any]) -> int:
    """The current attempt number: firstAttempt + attempts - 1 (see core.status)."""
    attempts, first = worker.get("attempts"), worker.get("firstAttempt")
    if isinstance(attempts, int) and isinstance(first, int) and attempts > 0 and first > 0:
        return first + attempts - 1
    for key in ("attempt", "attempts"):
        value = worker.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return 1
