"""The status codec: the only reader and writer of a DevOpsTask's `status` (camelCase, as
`kubectl get -o yaml` shows it). Everything that looks at a status (the decision, the
Redis bridge, devopsctl, metrics, the handlers' filters) goes through `read_status` or
one of the helpers below; `render_status` writes it and `build_status_patch` turns it
into the one write of a pass. The status is hostile input like any other (a person can
patch it): reading never raises, unreadable parts read as absent. Pure."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from devops_orchestrator.constants import ANNOTATION_RETRY
from devops_orchestrator.core.merge_patch import build_merge_patch, drop_nulls
from devops_orchestrator.core.planning import Plan
from devops_orchestrator.core.routing import RoutingDecision
from devops_orchestrator.core.spend import read_usage, render_usage
from devops_orchestrator.models import (
    AggregatedResult,
    TaskPhase,
    TokenUsage,
    WorkerPhase,
    WorkerResult,
)

MAX_FILES = 200  # per list, in a worker entry and in the result
MAX_ISSUES = 100
MAX_SUMMARY = 1000
MAX_DETAIL_BYTES = 16 * 1024  # per worker in result.details; the object limit is ~1.5 MB

FINAL_PHASES = frozenset(
    {TaskPhase.SUCCEEDED, TaskPhase.PARTIALLY_SUCCEEDED, TaskPhase.FAILED, TaskPhase.CANCELLED}
)
FINAL_WORKER_PHASES = frozenset(
    {WorkerPhase.SUCCEEDED, WorkerPhase.FAILED, WorkerPhase.SKIPPED, WorkerPhase.CANCELLED}
)

# The keys the codec owns; anything else in a status (e.g. kopf's) is left alone.
STATUS_KEYS = frozenset(
    {
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
        "usage",
    }
)


# --- Times --------------------------------------------------------------------------


def format_time(moment: datetime) -> str:
    """ISO-8601 UTC with a `Z`, to the second (what Kubernetes itself writes)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> datetime | None:
    """A Kubernetes timestamp; a time without a zone is UTC; anything else is None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return default
    try:
        return int(value)
    except ValueError:
        return default


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# --- Phases -------------------------------------------------------------------------


def parse_task_phase(value: Any) -> TaskPhase | None:
    try:
        return TaskPhase(str(value)) if value else None
    except ValueError:
        return None


def is_final(status: Mapping[str, Any]) -> bool:
    """Whether the task reached a final phase (no more Jobs, result published)."""
    return parse_task_phase(status.get("phase")) in FINAL_PHASES


def is_settled(body: Mapping[str, Any]) -> bool:
    """A final task whose status already answers its generation and its retry annotation:
    a pass would find nothing to do, so a restart need not look at it again."""
    meta = body.get("metadata") or {}
    status = body.get("status") or {}
    if not is_final(status) or status.get("observedGeneration") != meta.get("generation"):
        return False
    token = (meta.get("annotations") or {}).get(ANNOTATION_RETRY)
    return token is None or token == status.get("retryToken")


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
    """`{planner, stages: [[...]], workers: {name: {reason, matched, brief, after}}}`
    plus `note`, `model` and `usage` when a model was asked; `after` lists the
    prerequisites, so the stored plan alone rebuilds `Plan`."""
    matches = {match.worker: match for match in routing.matches}
    workers: dict[str, Any] = {}
    for worker in plan.workers:
        match = matches.get(worker)
        workers[worker] = {
            "reason": match.reason if match else "",
            "matched": list(match.matched) if match else [],
            "brief": plan.briefs.get(worker, ""),
            "after": list(plan.requires.get(worker, ())),
        }
    rendered: dict[str, Any] = {"planner": routing.planner}
    rendered |= {"note": routing.note} if routing.note else {}
    rendered |= {"model": routing.model} if routing.model else {}
    rendered |= {"usage": routing.usage.model_dump(exclude_defaults=True)} if routing.usage else {}
    return rendered | {"stages": [list(stage) for stage in plan.stages], "workers": workers}


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
    requires: dict[str, tuple[str, ...]] = {}
    briefs: dict[str, str] = {}
    for stage in built:
        for worker in stage:
            entry = workers.get(worker)
            after = entry.get("after") if isinstance(entry, Mapping) else None
            requires[worker] = tuple(str(a) for a in after) if isinstance(after, list) else ()
            brief = entry.get("brief") if isinstance(entry, Mapping) else None
            briefs[worker] = brief if isinstance(brief, str) else ""
    return Plan(stages=built, requires=requires, briefs=briefs)


def read_plan_usage(stored: Any) -> TokenUsage:
    """What choosing the workers cost (the Claude planner's call), zero when nothing."""
    usage = stored.get("usage") if isinstance(stored, Mapping) else None
    try:
        return TokenUsage.model_validate(usage) if isinstance(usage, Mapping) else TokenUsage()
    except ValidationError:
        return TokenUsage()


def render_stages(plan: Plan) -> str:
    return " -> ".join("[" + ", ".join(stage) + "]" for stage in plan.stages)


MAX_PLAN_MESSAGE = 1500


def render_plan_summary(stored: Any) -> tuple[str, str]:
    """(plan, planner) in one word each, for listings: `docker-worker→infra-worker→ci-worker`
    (workers of one stage joined by `+`) and `deterministic`, `explicit`, `claude` or
    `deterministic*` after a failed claude call; `-` for what is not known."""
    plan = parse_plan(stored)
    if plan is None or not isinstance(stored, Mapping):
        return "-", "-"
    stages = "→".join("+".join(stage) for stage in plan.stages)
    planner = stored.get("planner")
    if not isinstance(planner, str) or not planner:
        return stages, "-"
    return stages, planner + ("*" if stored.get("note") else "")


def render_plan_message(plan: Plan, stored: Any) -> str:
    """The Planned condition and event: the stages, who planned, each worker's reason
    (what `kubectl describe` shows)."""
    text = f"Planned {render_stages(plan)}"
    if not isinstance(stored, Mapping):
        return text
    if isinstance(stored.get("planner"), str):
        text += f" by the {stored['planner']} planner"
    if isinstance(stored.get("note"), str):
        text += f" ({stored['note']})"
    entries = stored.get("workers")
    entries = entries if isinstance(entries, Mapping) else {}
    reasons = [
        f"{worker}: {entry['reason']}"
        for worker in plan.workers
        if isinstance(entry := entries.get(worker), Mapping)
        and isinstance(entry.get("reason"), str)
        and entry["reason"]
    ]
    text += (": " + "; ".join(reasons)) if reasons else ""
    return text if len(text) <= MAX_PLAN_MESSAGE else text[: MAX_PLAN_MESSAGE - 3] + "..."


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
    usage: TokenUsage | None = None  # what all its attempts spent (core.spend)
    usage_through: int | None = None  # the highest attempt counted in `usage`

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
        "usage": render_usage(state.usage) if state.usage else None,
        "usageThroughAttempt": state.usage_through if state.usage else None,
    }
    return {key: value for key, value in entry.items() if value is not None}


def _names(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in value) if isinstance(value, list) else ()


def _worker_usage(entry: Mapping[str, Any]) -> TokenUsage | None:
    usage = read_usage(entry)  # a worker entry keeps `usage` as the task status does
    return usage if usage.total_tokens else None


def _attempt_number(value: Any) -> int | None:
    number = _int(value, 0) if value is not None else 0
    return number if number > 0 else None


def parse_workers(stored: Any) -> dict[str, WorkerState]:
    """The worker entries of a status (a list of entries), by name, in stored order."""
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
        issue_count = entry.get("issueCount")
        usage = _worker_usage(entry)
        states[str(entry["name"])] = WorkerState(
            name=str(entry["name"]),
            phase=phase,
            job_name=_text(entry.get("jobName")),
            attempts=max(0, _int(entry.get("attempts"), 0)),
            first_attempt=max(1, _int(entry.get("firstAttempt"), 1)),
            started_at=_text(entry.get("startedAt")),
            completed_at=_text(entry.get("completedAt")),
            summary=_text(entry.get("summary")),
            files_created=_names(entry.get("filesCreated")),
            files_modified=_names(entry.get("filesModified")),
            issue_count=_int(issue_count, 0) if issue_count is not None else None,
            error=_text(entry.get("error")),
            usage=usage,
            usage_through=_attempt_number(entry.get("usageThroughAttempt")) if usage else None,
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


# --- Reading a whole status -----------------------------------------------------------


@dataclass(frozen=True)
class StoredStatus:
    """A status as stored, read once. `recorded` is whether any pass wrote a phase."""

    recorded: bool
    phase: TaskPhase | None
    message: str
    plan: Plan | None
    plan_data: Any  # the stored plan as is, to write back unchanged
    workers: dict[str, WorkerState]
    result: dict[str, Any] | None
    started_at: str | None
    completed_at: str | None
    retry_token: str | None
    progress: str | None
    conditions: list[Mapping[str, Any]]

    @property
    def final(self) -> bool:
        return self.phase in FINAL_PHASES


def read_status(status: Mapping[str, Any] | None) -> StoredStatus:
    status = status if isinstance(status, Mapping) else {}
    result = status.get("result")
    conditions = status.get("conditions")
    return StoredStatus(
        recorded=bool(status.get("phase")),
        phase=parse_task_phase(status.get("phase")),
        message=_text(status.get("message")) or "",
        plan=parse_plan(status.get("plan")),
        plan_data=status.get("plan"),
        workers=parse_workers(status.get("workers")),
        result=dict(result) if isinstance(result, Mapping) else None,
        started_at=_text(status.get("startedAt")),
        completed_at=_text(status.get("completedAt")),
        retry_token=_text(status.get("retryToken")),
        progress=_text(status.get("progress")),
        conditions=[c for c in conditions if isinstance(c, Mapping)]
        if isinstance(conditions, list)
        else [],
    )


def read_progress(status: Mapping[str, Any]) -> str:
    """`done/planned`: the reconciler's own progress, else the final workers counted."""
    stored = read_status(status)
    if stored.progress is not None:
        return stored.progress
    if not stored.workers:
        return "-"
    done = sum(1 for state in stored.workers.values() if state.final)
    return f"{done}/{len(stored.workers)}"


# --- Writing a whole status -----------------------------------------------------------


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
    usage: dict[str, Any] | None = None  # what the task spent on model calls (core.spend)


def render_status(
    previous: StoredStatus, parts: StatusParts, *, generation: int, now: datetime
) -> dict[str, Any]:
    """The whole status; keys whose value is None are absent (a merge patch deletes them)."""
    final = parts.phase in FINAL_PHASES
    old = previous.conditions
    planned_reason = "Planned" if parts.planned else parts.reason
    conditions = [
        build_condition(old, "Planned", parts.planned, planned_reason, parts.plan_message, now),
        build_condition(
            old,
            "Running",
            not final,
            parts.reason if final else "WorkersRunning",
            "" if final else parts.message,
            now,
        ),
        build_condition(
            old,
            "Completed",
            final,
            parts.reason if final else "InProgress",
            parts.message if final else "",
            now,
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
        "observedGeneration": generation,
        "startedAt": parts.started_at,
        "completedAt": parts.completed_at if final else None,
        "retryToken": parts.retry_token,
        "workersSummary": ",".join(s.name.removesuffix("-worker") for s in parts.workers),
        "usage": parts.usage,
    }


def build_status_patch(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The one write of a pass: the merge patch from the stored status to `new` over the
    keys the codec owns (empty when nothing would change)."""
    return build_merge_patch(old, drop_nulls(new), keys=STATUS_KEYS)


# --- Derived figures ----------------------------------------------------------------

# Durations are observed for work done; a cancelled or skipped worker's time says nothing.
_TIMED_OUTCOMES = frozenset({WorkerPhase.SUCCEEDED, WorkerPhase.FAILED})


def build_worker_durations(
    old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[tuple[str, str, float]]:
    """(worker, outcome, seconds) of the workers that reached a final outcome between
    `old` and `new`."""
    before = read_status(old).workers
    finished: list[tuple[str, str, float]] = []
    for name, state in read_status(new).workers.items():
        previous = before.get(name)
        if state.phase not in _TIMED_OUTCOMES or (previous and previous.phase == state.phase):
            continue
        start, end = parse_time(state.started_at), parse_time(state.completed_at)
        if start is not None and end is not None:
            seconds = max(0.0, (end - start).total_seconds())
            finished.append((name, state.phase.value, seconds))
    return finished
