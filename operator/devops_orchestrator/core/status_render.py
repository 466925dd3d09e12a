"""Assembling the whole status of a DevOpsTask from the parts a pass decided. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from devops_orchestrator.core.decision import Observation
from devops_orchestrator.core.status import WorkerState, build_condition, render_worker
from devops_orchestrator.models import FINAL_PHASES, TaskPhase, WorkerPhase

# The keys this module owns; anything else in the status (e.g. kopf's) is left alone.
STATUS_KEYS = (
    "phase",
    "message",
    "conditions",
    "plan",
    "workers",
    "progress",
    "result",
    "observedGeneration",
    "startedAt",
    "completedAt",
    "retryToken",
    "workersSummary",
)


@dataclass(frozen=True)
class StatusParts:
    phase: TaskPhase
    reason: str  # the Completed condition's reason when final, else the Running one's
    message: str
    plan: Any  # the stored plan dict, None when no plan could be made
    plan_message: str
    workers: Sequence[WorkerState]
    result: dict[str, Any] | None
    started_at: str | None
    completed_at: str | None
    retry_token: Any
    planned: bool = True


def render_status(obs: Observation, parts: StatusParts) -> dict[str, Any]:
    """The whole status; keys whose value is None are absent (a merge patch deletes them)."""
    final = parts.phase in FINAL_PHASES
    previous = obs.status.get("conditions")
    old = previous if isinstance(previous, list) else []
    planned_reason = "Planned" if parts.planned else parts.reason
    conditions = [
        build_condition(old, "Planned", parts.planned, planned_reason, parts.plan_message, obs.now),
        build_condition(
            old,
            "Running",
            not final,
            parts.reason if final else "WorkersRunning",
            "" if final else parts.message,
            obs.now,
        ),
        build_condition(
            old,
            "Completed",
            final,
            parts.reason if final else "InProgress",
            parts.message if final else "",
            obs.now,
        ),
    ]
    succeeded = sum(1 for state in parts.workers if state.phase == WorkerPhase.SUCCEEDED)
    return {
        "phase": parts.phase.value,
        "message": parts.message,
        "conditions": conditions,
        "plan": parts.plan,
        "workers": [render_worker(state) for state in parts.workers],
        "progress": f"{succeeded}/{len(parts.workers)}",
        "result": parts.result,
        "observedGeneration": obs.generation,
        "startedAt": parts.started_at,
        "completedAt": parts.completed_at if final else None,
        "retryToken": parts.retry_token,
        "workersSummary": ",".join(s.name.removesuffix("-worker") for s in parts.workers),
    }


def _ours(status: Mapping[str, Any]) -> dict[str, Any]:
    return {key: status[key] for key in STATUS_KEYS if status.get(key) is not None}


def status_changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether writing `new` would change the stored status (None = absent)."""
    return _ours(old) != _ours(new)
