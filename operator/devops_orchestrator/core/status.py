"""The pieces of a DevOpsTask status (camelCase, as `kubectl get -o yaml` shows them):
timestamps, conditions, the stored plan, per-worker entries and the capped result."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from devops_orchestrator.core.planning import Plan
from devops_orchestrator.core.routing import RoutingDecision
from devops_orchestrator.models import AggregatedResult, WorkerPhase, WorkerResult

MAX_FILES = 200  # per list, in a worker entry and in the result
MAX_ISSUES = 100
MAX_SUMMARY = 1000
MAX_DETAIL_BYTES = 16 * 1024  # per worker in result.details; the object limit is ~1.5 MB

FINAL_WORKER_PHASES = frozenset(
    {WorkerPhase.SUCCEEDED, WorkerPhase.FAILED, WorkerPhase.SKIPPED, WorkerPhase.CANCELLED}
)


def format_time(moment: datetime) -> str:
    """ISO-8601 UTC with a `Z`, to the second (what Kubernetes itself writes)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- Conditions -----------------------------------------------------------------------


def build_condition(
    previous: Sequence[Mapping[str, Any]],
    kind: str,
    status: bool,
    reason: str,
    message: str,
    now: datetime,
) -> dict[str, Any]:
    """A condition whose lastTransitionTime only moves when its status flips."""
    value = "True" if status else "False"
    stamp = format_time(now)
    for old in previous:
        if old.get("type") == kind and old.get("status") == value:
            stamp = str(old.get("lastTransitionTime") or stamp)
    return {
        "type": kind,
        "status": value,
        "reason": reason,
        "message": message,
        "lastTransitionTime": stamp,
    }


# --- The plan as stored ---------------------------------------------------------------


def render_plan(plan: Plan, routing: RoutingDecision) -> dict[str, Any]:
    """`{stages: [[...]], workers: {name: {reason, matched, after}}}`; `after` lists
    the prerequisites, so the stored plan alone rebuilds `Plan`."""
    matches = {match.worker: match for match in routing.matches}
    workers: dict[str, Any] = {}
    for worker in plan.workers:
        match = matches.get(worker)
        workers[worker] = {
            "reason": match.reason if match else "",
            "matched": list(match.matched) if match else [],
            "after": list(plan.requires.get(worker, ())),
        }
    return {"stages": [list(stage) for stage in plan.stages], "workers": workers}


def parse_plan(stored: Any) -> Plan | None:
    """The Plan kept in a status, or None when there is none (or it is unreadable)."""
    if not isinstance(stored, Mapping):
        return None
    stages = stored.get("stages")
    if not isinstance(stages, list) or not stages:
        return None
    entries = stored.get("workers")
    workers: Mapping[str, Any] = entries if isinstance(entries, Mapping) else {}
    built = tuple(tuple(str(w) for w in stage) for stage in stages if isinstance(stage, list))
    requires = {
        worker: tuple(str(a) for a in (workers.get(worker) or {}).get("after", []))
        for stage in built
        for worker in stage
    }
    return Plan(stages=built, requires=requires)


# --- Workers --------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerState:
    """One worker's entry in the status. `attempts` counts the attempts of the current
    round (a retry annotation starts a new round at `firstAttempt`), so the retry budget
    is `attempts <= maxRetries + 1`."""

    name: str
    phase: WorkerPhase = WorkerPhase.PENDING
    job_name: str | None = None
    attempts: int = 0
    first_attempt: int = 1
    started_at: str | None = None
    completed_at: str | None = None
    summary: str | None = None
    files_created: tuple[str, ...] = ()
    files_modified: tuple[str, ...] = ()
    issue_count: int | None = None
    error: str | None = None

    @property
    def final(self) -> bool:
        return self.phase in FINAL_WORKER_PHASES

    @property
    def last_attempt(self) -> int:
        """The highest attempt number this worker has used (0 when none)."""
        return self.first_attempt + self.attempts - 1 if self.attempts else self.first_attempt - 1

    def with_result(self, result: WorkerResult) -> WorkerState:
        return replace(
            self,
            summary=result.summary[:MAX_SUMMARY],
            files_created=tuple(result.files_created[:MAX_FILES]),
            files_modified=tuple(result.files_modified[:MAX_FILES]),
            issue_count=len(result.issues),
        )

    def as_result(self) -> WorkerResult:
        """What the status remembers of a succeeded worker, when its stored result is gone."""
        return WorkerResult(
            summary=self.summary or "",
            files_created=list(self.files_created),
            files_modified=list(self.files_modified),
        )


def render_worker(state: WorkerState) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": state.name,
        "phase": state.phase.value,
        "jobName": state.job_name,
        "attempt": state.last_attempt or None,  # the current attempt number (Job label)
        "attempts": state.attempts,
        "firstAttempt": state.first_attempt,
        "startedAt": state.started_at,
        "completedAt": state.completed_at,
        "summary": state.summary,
        "filesCreated": list(state.files_created) or None,
        "filesModified": list(state.files_modified) or None,
        "issueCount": state.issue_count,
        "error": state.error,
    }
    return {key: value for key, value in entry.items() if value is not None}


def parse_workers(stored: Any) -> dict[str, WorkerState]:
    """The worker entries of a status (a list of entries), by name."""
    states: dict[str, WorkerState] = {}
    if not isinstance(stored, list):
        return states
    for entry in stored:
        if not isinstance(entry, Mapping) or not entry.get("name"):
            continue
        try:
            phase = WorkerPhase(str(entry.get("phase", WorkerPhase.PENDING.value)))
        except ValueError:
            phase = WorkerPhase.PENDING
        states[str(entry["name"])] = WorkerState(
            name=str(entry["name"]),
            phase=phase,
            job_name=entry.get("jobName"),
            attempts=int(entry.get("attempts") or 0),
            first_attempt=int(entry.get("firstAttempt") or 1),
            started_at=entry.get("startedAt"),
            completed_at=entry.get("completedAt"),
            summary=entry.get("summary"),
            files_created=tuple(entry.get("filesCreated") or ()),
            files_modified=tuple(entry.get("filesModified") or ()),
            issue_count=entry.get("issueCount"),
            error=entry.get("error"),
        )
    return states


# --- The result -----------------------------------------------------------------------


def compact_result(result: AggregatedResult) -> dict[str, Any]:
    """The result object as stored in the status: lists capped, and a worker's details
    replaced by a note when they are too big (they may hold generated text)."""
    data = result.model_dump(mode="json")
    data["files_created"] = data["files_created"][:MAX_FILES]
    data["files_modified"] = data["files_modified"][:MAX_FILES]
    data["issues"] = data["issues"][:MAX_ISSUES]
    details: dict[str, Any] = {}
    for worker, detail in data["details"].items():
        size = len(json.dumps(detail, default=str))
        if size > MAX_DETAIL_BYTES:
            detail = {"truncated": True, "bytes": size, "summary": detail.get("summary", "")}
        details[worker] = detail
    data["details"] = details
    return data
