"""One worker's progress in one pass: from its last known state and its observed Jobs
to its new state, and whether a (new) Job is wanted for it. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from devops_orchestrator.core.decision import ObservedJob
from devops_orchestrator.core.jobs import build_job_name
from devops_orchestrator.core.policies import may_retry_worker
from devops_orchestrator.core.status import WorkerState, format_time
from devops_orchestrator.models import WorkerPhase, WorkerResult

# A Job that succeeded may be seen a moment before the result it stored; wait this long
# for the result before accepting the success without one.
RESULT_GRACE_SECONDS = 30.0


@dataclass(frozen=True)
class WorkerStep:
    state: WorkerState
    create_attempt: int | None = None  # an attempt whose Job must exist (new or re-sent)
    recheck_after: float | None = None  # waiting for a result: look again this soon


def advance_worker(
    state: WorkerState,
    *,
    task_name: str,
    jobs: Sequence[ObservedJob],
    results: Mapping[str, WorkerResult],
    max_attempts: int,
    now: datetime,
) -> WorkerStep:
    """Advance a started, non-final worker from what its current-round Jobs show.

    The current attempt is the highest of the round, known from the status or seen as a
    Job. A Job we asked for but do not see yet is asked for again (same name: creating
    it is idempotent); if its result is stored although the Job is gone (TTL), the
    attempt succeeded."""
    if state.final:
        return WorkerStep(state)
    round_jobs = [job for job in jobs if job.attempt >= state.first_attempt]
    if state.attempts == 0 and not round_jobs:
        return WorkerStep(state)  # not started: the stage gate decides
    current = max([state.last_attempt, *(job.attempt for job in round_jobs)])
    state = replace(state, attempts=current - state.first_attempt + 1)
    job = next((j for j in round_jobs if j.attempt == current), None)
    name = job.name if job is not None else build_job_name(task_name, state.name, current)
    state = replace(state, job_name=name, started_at=state.started_at or format_time(now))
    if job is None:
        if name in results:
            return WorkerStep(_succeeded(state, results[name], now))
        return WorkerStep(state, create_attempt=current)
    if job.succeeded:
        return _on_success(state, job, results.get(name), now)
    if job.failed:
        error = job.failure_message or job.failure_reason or "the worker Job failed"
        error = f"attempt {current}: {error}"
        if may_retry_worker(state.attempts, max_attempts, job.failure_reason):
            retrying = replace(
                state,
                phase=WorkerPhase.RETRYING,
                attempts=state.attempts + 1,
                job_name=build_job_name(task_name, state.name, current + 1),
                error=error,
            )
            return WorkerStep(retrying, create_attempt=current + 1)
        done = format_time(job.completion_time or now)
        return WorkerStep(replace(state, phase=WorkerPhase.FAILED, error=error, completed_at=done))
    return WorkerStep(replace(state, phase=WorkerPhase.RUNNING))


def _on_success(
    state: WorkerState, job: ObservedJob, result: WorkerResult | None, now: datetime
) -> WorkerStep:
    if result is not None:
        return WorkerStep(_succeeded(state, result, job.completion_time or now))
    waited = (now - job.completion_time).total_seconds() if job.completion_time else 0.0
    if waited < RESULT_GRACE_SECONDS:
        running = replace(state, phase=WorkerPhase.RUNNING)
        return WorkerStep(running, recheck_after=max(1.0, RESULT_GRACE_SECONDS - waited))
    missing = WorkerResult(summary="(the worker stored no result)")
    return WorkerStep(_succeeded(state, missing, job.completion_time or now))


def _succeeded(state: WorkerState, result: WorkerResult, when: datetime) -> WorkerState:
    done = replace(state, phase=WorkerPhase.SUCCEEDED, error=None, completed_at=format_time(when))
    return done.with_result(result)


def start_worker(state: WorkerState, *, task_name: str, now: datetime) -> WorkerStep:
    """The first attempt of a round, for a worker whose stage has opened."""
    attempt = state.last_attempt + 1
    started = replace(
        state,
        phase=WorkerPhase.RUNNING,
        attempts=attempt - state.first_attempt + 1,
        job_name=build_job_name(task_name, state.name, attempt),
        started_at=format_time(now),
        completed_at=None,
        error=None,
    )
    return WorkerStep(started, create_attempt=attempt)


def reset_worker(state: WorkerState, highest_attempt: int) -> WorkerState:
    """A new round for a failed, skipped or cancelled worker (the retry annotation):
    its attempts continue after every number used so far, so Job names are new, and
    what its earlier attempts spent stays counted."""
    first = max(highest_attempt, state.last_attempt) + 1
    return WorkerState(
        name=state.name, first_attempt=first, usage=state.usage, usage_through=state.usage_through
    )


def stop_worker(state: WorkerState, phase: WorkerPhase, reason: str, now: datetime) -> WorkerState:
    """End a non-final worker (deadline, cancel): one that started is `phase`, one that
    never did is Skipped or Cancelled."""
    if state.final:
        return state
    if state.attempts == 0 and phase == WorkerPhase.FAILED:
        phase = WorkerPhase.SKIPPED
    return replace(state, phase=phase, error=reason, completed_at=format_time(now))
