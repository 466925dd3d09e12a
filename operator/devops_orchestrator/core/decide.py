"""The reconciler's decision: from one observation to the new status and the actions.

One pass, JobSet style: rebuild each worker's state from the stored status and the
owned Jobs, open the next stage when the previous one is done, apply the task-level
policies (deadline, cancel, outcome), render the status, and derive the events from
the difference with the previous status, so a repeated pass emits nothing. The status
patch it returns is the pass's only write; an empty one means nothing to write.

Retries: `maxRetries` counts retries, so a worker gets `maxRetries + 1` attempts per
round. The retry annotation starts a new round for failed and skipped workers; attempt
numbers (and so Job names) continue after the highest one used."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from devops_orchestrator.core.aggregate import aggregate
from devops_orchestrator.core.briefing import build_briefing
from devops_orchestrator.core.decision import (
    Decision,
    EventToEmit,
    InvalidSpec,
    JobToCreate,
    Observation,
    ObservedJob,
)
from devops_orchestrator.core.jobs import build_job_name, build_result_configmap_name
from devops_orchestrator.core.network_paths import name_result_files
from devops_orchestrator.core.planning import Plan, PlanError, build_plan, prerequisites
from devops_orchestrator.core.policies import worker_attempts
from devops_orchestrator.core.routing import route
from devops_orchestrator.core.spend import (
    BUDGET_EXCEEDED,
    attempt_usages,
    budget_exceeded,
    count_worker_usage,
    effective_budget,
    read_usage,
    render_usage,
    task_usage,
    worker_share,
)
from devops_orchestrator.core.status import (
    FINAL_PHASES,
    StatusParts,
    StoredStatus,
    WorkerState,
    build_status_patch,
    compact_result,
    format_time,
    parse_time,
    read_plan_usage,
    read_status,
    render_plan,
    render_plan_message,
    render_status,
)
from devops_orchestrator.core.workers import (
    WorkerStep,
    advance_worker,
    reset_worker,
    start_worker,
    stop_worker,
)
from devops_orchestrator.models import (
    TaskBudget,
    TaskPhase,
    TokenUsage,
    WorkerPhase,
    WorkerResult,
)

NORMAL, WARNING = "Normal", "Warning"
_RERUN = frozenset({WorkerPhase.FAILED, WorkerPhase.SKIPPED, WorkerPhase.CANCELLED})


@dataclass(frozen=True)
class _Outcome:
    phase: TaskPhase
    reason: str
    message: str


_NOTHING_SPENT = TokenUsage()
JOB_DEADLINE_GRACE_SECONDS = 5  # seconds a Job may outlive its task's deadline


def decide(obs: Observation | InvalidSpec) -> Decision:
    """Compute the whole new status of a DevOpsTask and what to create, stop and emit.

    Pure and level-based: the same observation always gives the same Decision."""
    stored = read_status(obs.status)
    if isinstance(obs, InvalidSpec):
        return _invalid_spec(obs, stored)
    prev_phase = stored.phase
    states = stored.workers
    plan = stored.plan
    plan_dict: Any = stored.plan_data
    started_at = stored.started_at
    completed_at = stored.completed_at
    # An annotation already there on the first pass is the baseline, not a request.
    token = stored.retry_token if stored.recorded else obs.retry_token
    events: list[EventToEmit] = []

    if prev_phase in FINAL_PHASES and _retry_requested(obs, token):
        token = obs.retry_token
        rerun = [w for w, s in states.items() if s.phase in _RERUN]
        if plan is None or rerun:
            highest = _highest_attempts(obs.jobs)
            states = {
                w: reset_worker(s, highest.get(w, 0)) if w in rerun else s
                for w, s in states.items()
            }
            prev_phase, started_at, completed_at = TaskPhase.RUNNING, None, None
            what = ", ".join(rerun) if plan is not None else "routing"
            events.append(EventToEmit(NORMAL, "RetryRequested", f"Retrying: {what}"))

    if prev_phase in FINAL_PHASES:
        return _keep_final(obs, token)

    routed = plan is None
    if plan is None:
        routing = obs.routing or route(obs.spec, obs.definitions)
        if routing.error is not None:
            why = routing.error + (f" ({routing.note})" if routing.note else "")
            failed = _not_planned(obs, token, "NoWorkerMatched", why, events, routing.usage)
            return replace(failed, routed=True)
        try:
            plan = build_plan(routing.workers, obs.definitions, obs.spec.strategy, routing.briefs)
        except PlanError as exc:
            failed = _not_planned(obs, token, "InvalidPlan", str(exc), events, routing.usage)
            return replace(failed, routed=True)
        plan_dict = render_plan(plan, routing)
        events.append(EventToEmit(NORMAL, "Planned", render_plan_message(plan, plan_dict)))
    started_at = started_at or format_time(obs.now)
    deadline = (parse_time(started_at) or obs.now) + timedelta(seconds=obs.spec.timeout_seconds)

    before = {w: _count_usage(obs, states.get(w) or WorkerState(name=w)) for w in plan.workers}
    budget = effective_budget(obs.spec.budget, obs.budget_defaults)
    workers_spent = [state.usage for state in before.values()]
    spent = task_usage(workers_spent, read_plan_usage(plan_dict), read_usage(obs.status))
    steps, outcome = _apply_policies(
        obs, plan, _advance_started(obs, plan, before), deadline, (budget, spent)
    )
    if outcome is None:
        steps = _open_next_stage(obs, plan, steps)
    after = {w: step.state for w, step in steps.items()}
    results = _succeeded_results(obs, after)
    final = outcome is not None
    if final:
        completed_at = completed_at or format_time(obs.now)

    share = worker_share(budget, spent, sum(1 for s in steps.values() if not s.state.final))
    create = () if final else _jobs_to_create(obs, plan, steps, results, deadline, share)
    events += build_worker_events(before, after, plan)
    if final and outcome is not None:
        events.append(_final_event(outcome))
    result = _build_result(plan, after, results, final)
    if result is not None:  # files as the network names them (core.network_paths)
        result = name_result_files(result, obs.spec.context)
        if spent.total_tokens:
            result["usage"] = {**spent.model_dump(), "total_tokens": spent.total_tokens}
    parts = StatusParts(
        phase=outcome.phase if outcome else TaskPhase.RUNNING,
        reason=outcome.reason if outcome else "WorkersRunning",
        message=outcome.message if outcome else render_running_message(plan, after),
        plan=plan_dict,
        plan_message=render_plan_message(plan, plan_dict),
        workers=[after[w] for w in plan.workers],
        result=result,
        started_at=started_at,
        completed_at=completed_at,
        retry_token=token,
        usage=render_usage(spent),
    )
    status = render_status(stored, parts, generation=obs.generation, now=obs.now)
    waits = [s.recheck_after for s in steps.values() if s.recheck_after is not None]
    remaining = max(1.0, (deadline - obs.now).total_seconds())
    return Decision(
        status=status,
        status_patch=build_status_patch(obs.status, status),
        create=create,
        stop=_unfinished_jobs(obs.jobs) if final else (),
        events=tuple(events),
        requeue_after=None if final else min([remaining, *waits]),
        finished=final,
        routed=routed,
    )


# --- Task-level policies --------------------------------------------------------------


def _retry_requested(obs: Observation, handled: Any) -> bool:
    return not obs.spec.cancel and obs.retry_token is not None and obs.retry_token != handled


def _highest_attempts(jobs: Sequence[ObservedJob]) -> dict[str, int]:
    highest: dict[str, int] = {}
    for job in jobs:
        highest[job.worker] = max(highest.get(job.worker, 0), job.attempt)
    return highest


def _apply_policies(
    obs: Observation,
    plan: Plan,
    steps: dict[str, WorkerStep],
    deadline: datetime,
    spending: tuple[TaskBudget | None, TokenUsage],
) -> tuple[dict[str, WorkerStep], _Outcome | None]:
    """The task's final outcome reached in this pass (None while work remains); cancel,
    the budget and the deadline end the workers that are not done."""
    if obs.spec.cancel:
        outcome = _Outcome(TaskPhase.CANCELLED, "Cancelled", "Cancelled by spec.cancel")
        return _stop_all(steps, WorkerPhase.CANCELLED, outcome.message, obs.now), outcome
    work_left = not all(steps[w].state.final for w in plan.workers)
    over = budget_exceeded(*spending, obs.results.values(), work_left)
    if over is not None:
        outcome = _Outcome(TaskPhase.FAILED, BUDGET_EXCEEDED, over)
        return _stop_all(steps, WorkerPhase.FAILED, "task budget exceeded", obs.now), outcome
    if all(steps[w].state.final for w in plan.workers):
        return steps, _final_outcome(plan, steps)
    if obs.now >= deadline:
        message = f"Deadline exceeded: not finished within {obs.spec.timeout_seconds}s"
        outcome = _Outcome(TaskPhase.FAILED, "DeadlineExceeded", message)
        return _stop_all(steps, WorkerPhase.FAILED, "task deadline exceeded", obs.now), outcome
    return steps, None


def _stop_all(
    steps: Mapping[str, WorkerStep], phase: WorkerPhase, reason: str, now: datetime
) -> dict[str, WorkerStep]:
    return {w: WorkerStep(stop_worker(s.state, phase, reason, now)) for w, s in steps.items()}


def _final_outcome(plan: Plan, steps: Mapping[str, WorkerStep]) -> _Outcome:
    states = [steps[w].state for w in plan.workers]
    good = [s.name for s in states if s.phase == WorkerPhase.SUCCEEDED]
    bad = [f"{s.name} {s.phase.value.lower()}: {s.error}" for s in states if s.name not in good]
    total = len(states)
    if len(good) == total:
        return _Outcome(TaskPhase.SUCCEEDED, "Succeeded", f"All {total} workers succeeded")
    if not good:
        return _Outcome(TaskPhase.FAILED, "WorkersFailed", "No worker succeeded: " + "; ".join(bad))
    message = f"{len(good)}/{total} workers succeeded; " + "; ".join(bad)
    return _Outcome(TaskPhase.PARTIALLY_SUCCEEDED, "PartiallySucceeded", message)


def _final_event(outcome: _Outcome) -> EventToEmit:
    reason = {
        "Succeeded": "Completed",
        "DeadlineExceeded": "DeadlineExceeded",
        BUDGET_EXCEEDED: BUDGET_EXCEEDED,
        "Cancelled": "Cancelled",
        "PartiallySucceeded": "PartiallySucceeded",
    }.get(outcome.reason, "Failed")
    kind = NORMAL if reason in ("Completed", "Cancelled") else WARNING
    return EventToEmit(kind, reason, outcome.message)


# --- Workers ---------------------------------------------------------------------------


# Attempts looked up by their built Job name (whose Job may be gone): the latest ones;
# older ones were counted when they finished.
_COUNTED_ATTEMPTS_WINDOW = 64


def _count_usage(obs: Observation, state: WorkerState) -> WorkerState:
    """The worker with the usage of its attempts not counted yet added (core.spend)."""
    seen = {job.attempt: job.name for job in obs.jobs if job.worker == state.name}
    highest = max([state.last_attempt, *seen])
    first = max(1, highest - _COUNTED_ATTEMPTS_WINDOW + 1)
    names = {n: build_job_name(obs.name, state.name, n) for n in range(first, highest + 1)}
    spent = attempt_usages(names | seen, obs.results, obs.usages)
    usage, through = count_worker_usage(state.usage, state.usage_through, spent)
    return replace(state, usage=usage, usage_through=through)


def _advance_started(
    obs: Observation, plan: Plan, before: Mapping[str, WorkerState]
) -> dict[str, WorkerStep]:
    """Advance the started workers from their Jobs; skip those not started whose
    prerequisite did not succeed."""
    by_worker: dict[str, list[ObservedJob]] = {w: [] for w in plan.workers}
    for job in obs.jobs:
        if job.worker in by_worker:
            by_worker[job.worker].append(job)
    max_attempts = worker_attempts(obs.spec.max_retries)
    steps = {
        w: advance_worker(
            before[w],
            task_name=obs.name,
            jobs=by_worker[w],
            results=obs.results,
            max_attempts=max_attempts,
            now=obs.now,
        )
        for w in plan.workers
    }
    for worker in plan.workers:  # plan order: a skip is seen by the workers after it
        state = steps[worker].state
        if state.final or state.attempts:
            continue
        failed = [p for p in prerequisites(worker, plan) if steps[p].state.phase in _RERUN]
        if failed:
            reason = f"prerequisite {', '.join(failed)} did not succeed"
            steps[worker] = WorkerStep(stop_worker(state, WorkerPhase.SKIPPED, reason, obs.now))
    return steps


def _open_next_stage(
    obs: Observation, plan: Plan, steps: Mapping[str, WorkerStep]
) -> dict[str, WorkerStep]:
    """Start the workers of the first stage not done; every earlier stage is done."""
    steps = dict(steps)
    for stage in plan.stages:
        if all(steps[w].state.final for w in stage):
            continue
        for worker in stage:
            state = steps[worker].state
            if not state.final and state.attempts == 0:
                steps[worker] = start_worker(state, task_name=obs.name, now=obs.now)
        break
    return steps


def _succeeded_results(
    obs: Observation, states: Mapping[str, WorkerState]
) -> dict[str, WorkerResult]:
    """Results of succeeded workers: as stored by their Job, else as the status
    remembers them (the result ConfigMap was removed)."""
    results: dict[str, WorkerResult] = {}
    for worker, state in states.items():
        if state.phase == WorkerPhase.SUCCEEDED:
            stored = obs.results.get(state.job_name or "")
            results[worker] = stored if stored is not None else state.as_result()
    return results


def _jobs_to_create(
    obs: Observation,
    plan: Plan,
    steps: Mapping[str, WorkerStep],
    results: Mapping[str, WorkerResult],
    deadline: datetime,
    share: TaskBudget | None,
) -> tuple[JobToCreate, ...]:
    # A Job outlives the task's deadline by a grace period: the task deadline must fire
    # first (Failed/DeadlineExceeded, its Jobs stopped by us), never a Job's own deadline
    # racing it and turning the outcome into an ordinary worker failure.
    remaining = math.ceil((deadline - obs.now).total_seconds())
    job_deadline = max(1, remaining) + JOB_DEADLINE_GRACE_SECONDS
    jobs: list[JobToCreate] = []
    for worker in plan.workers:
        step = steps[worker]
        if step.create_attempt is None or step.state.job_name is None:
            continue
        stage = plan.stage_of(worker)
        earlier = {w: results[w] for s in plan.stages[:stage] for w in s if w in results}
        job_name = step.state.job_name
        briefing = build_briefing(
            spec=obs.spec,
            task_name=obs.name,
            task_uid=obs.uid,
            namespace=obs.namespace,
            worker=worker,
            attempt=step.create_attempt,
            job_name=job_name,
            result_configmap=build_result_configmap_name(job_name),
            previous_results=earlier,
            definitions=obs.definitions,
            brief=plan.briefs.get(worker, ""),
            deadline=deadline,
            budget=share,
        )
        jobs.append(JobToCreate(worker, step.create_attempt, job_name, briefing, job_deadline))
    return tuple(jobs)


def _unfinished_jobs(jobs: Sequence[ObservedJob]) -> tuple[str, ...]:
    return tuple(job.name for job in jobs if not job.succeeded and not job.failed)


def build_worker_events(
    before: Mapping[str, WorkerState], after: Mapping[str, WorkerState], plan: Plan
) -> list[EventToEmit]:
    """Events for the workers' transitions between two passes."""
    events: list[EventToEmit] = []
    for worker in plan.workers:
        old, new = before[worker], after[worker]
        if new.job_name and new.job_name != old.job_name and not new.final:
            attempt = new.last_attempt
            if new.phase == WorkerPhase.RETRYING:
                text = f"{worker}: {new.error}; retrying as Job {new.job_name} (attempt {attempt})"
                events.append(EventToEmit(WARNING, "WorkerRetrying", text))
            else:
                text = f"{worker} started: Job {new.job_name} (attempt {attempt})"
                events.append(EventToEmit(NORMAL, "WorkerStarted", text))
        if new.phase == old.phase:
            continue
        if new.phase == WorkerPhase.SUCCEEDED:
            text = f"{worker} succeeded: {new.summary or 'done'}"
            events.append(EventToEmit(NORMAL, "WorkerSucceeded", text))
        elif new.phase == WorkerPhase.FAILED:
            events.append(EventToEmit(WARNING, "WorkerFailed", f"{worker} failed: {new.error}"))
        elif new.phase == WorkerPhase.SKIPPED:
            events.append(EventToEmit(WARNING, "WorkerSkipped", f"{worker} skipped: {new.error}"))
    return events


def _build_result(
    plan: Plan,
    states: Mapping[str, WorkerState],
    results: Mapping[str, WorkerResult],
    final: bool,
) -> dict[str, Any] | None:
    """The result object: when final, or while running once some worker succeeded (then
    its status is `partial`)."""
    if not final and not results:
        return None
    failed = {
        w: s.error or s.phase.value.lower()
        for w, s in states.items()
        if s.phase in (WorkerPhase.FAILED, WorkerPhase.CANCELLED) and s.attempts
    }
    skipped = {
        w: s.error or s.phase.value.lower()
        for w, s in states.items()
        if s.final and s.phase != WorkerPhase.SUCCEEDED and w not in failed
    }
    aggregated = aggregate(plan, results, failed, skipped)
    if not final:
        aggregated = aggregated.model_copy(update={"status": "partial"})
    return compact_result(aggregated)


# --- Messages ---------------------------------------------------------------------------


def render_running_message(plan: Plan, states: Mapping[str, WorkerState]) -> str:
    for index, stage in enumerate(plan.stages, start=1):
        active = [w for w in stage if not states[w].final]
        if active:
            return f"Stage {index}/{len(plan.stages)} running: {', '.join(active)}"
    return "Running"


# --- Special passes -----------------------------------------------------------------------


def _keep_final(obs: Observation, token: Any) -> Decision:
    """A final phase is sticky: no new Jobs; only bookkeeping fields may move, and any Job
    still running (a stop that did not happen) is stopped again."""
    status = dict(obs.status)
    status["observedGeneration"] = obs.generation
    status["retryToken"] = token
    return Decision(
        status=status,
        status_patch=build_status_patch(obs.status, status),
        stop=_unfinished_jobs(obs.jobs),
    )


def _failed_before_planning(
    stored: StoredStatus,
    *,
    reason: str,
    message: str,
    token: Any,
    generation: int,
    now: datetime,
    spent: TokenUsage = _NOTHING_SPENT,
) -> dict[str, Any]:
    """The status of a task that failed before any worker could be planned (`spent`: what
    asking the planner cost)."""
    stamp = format_time(now)
    result = compact_result(
        aggregate(Plan(stages=()), {}, {}, {}).model_copy(
            update={"summary": message, "issues": [{"severity": "error", "message": message}]}
        )
    )
    if spent.total_tokens:
        result["usage"] = {**spent.model_dump(), "total_tokens": spent.total_tokens}
    parts = StatusParts(
        phase=TaskPhase.FAILED,
        reason=reason,
        message=message,
        plan=None,
        plan_message=message,
        workers=[],
        result=result,
        started_at=stored.started_at or stamp,
        completed_at=stamp,
        retry_token=token,
        planned=False,
        usage=render_usage(spent),
    )
    return render_status(stored, parts, generation=generation, now=now)


def _not_planned(
    obs: Observation,
    token: Any,
    reason: str,
    message: str,
    events: list[EventToEmit],
    planner_usage: TokenUsage | None,
) -> Decision:
    stored = read_status(obs.status)
    # The same answer may be seen again (a repeated pass): never added twice.
    spent = task_usage([], planner_usage or TokenUsage(), read_usage(obs.status))
    status = _failed_before_planning(
        stored,
        reason=reason,
        message=message,
        token=token,
        generation=obs.generation,
        now=obs.now,
        spent=spent,
    )
    return Decision(
        status=status,
        status_patch=build_status_patch(obs.status, status),
        events=(*events, EventToEmit(WARNING, reason, message)),
        finished=True,
    )


def _invalid_spec(obs: InvalidSpec, stored: StoredStatus) -> Decision:
    """A spec our models refuse fails the task once; a final task stays as it is."""
    if stored.final:
        return Decision(status=dict(obs.status), status_patch={})
    status = _failed_before_planning(
        stored,
        reason="InvalidSpec",
        message=obs.message,
        token=stored.retry_token,
        generation=obs.generation,
        now=obs.now,
        spent=read_usage(obs.status),  # what was spent stays shown
    )
    return Decision(
        status=status,
        status_patch=build_status_patch(obs.status, status),
        events=(EventToEmit(WARNING, "InvalidSpec", obs.message),),
        finished=True,
    )
