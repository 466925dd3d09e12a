"""One reconcile pass of a DevOpsTask: observe -> decide -> act -> one status write.

`run_pass` is the level-based pass (blocking I/O through the adapters; it runs in a
thread): it reads the task, its Jobs and their results (adapters), builds the
observation and the decision (`core.observe`, `core.decide`), creates and stops Jobs,
and writes the decision's status patch when the decision says it changed.
`Reconciler` is the async coordinator every kopf handler calls: one pass at a time per
task (a per-task asyncio.Lock), triggers that arrive while a pass is waiting are
coalesced into it, a Decision's `requeue_after` schedules the next pass, and after the
status is written it emits the Decision's Events and updates the metrics.

Why a direct call instead of, say, patching an annotation from the Job watcher: it
costs no extra API write per Job event, works the same whoever triggers it (create,
update, resume, timer, Job event, requeue), and the per-task lock makes concurrent
triggers safe; a trigger lost in a crash is made up by `on.resume` and the timer."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, cast

import kopf

from devops_orchestrator import metrics
from devops_orchestrator.adapters import git_credentials, jobs, results, tasks
from devops_orchestrator.adapters.errors import PermanentError, RetryableError
from devops_orchestrator.adapters.results import StoredResults
from devops_orchestrator.config import RECONCILE_CONFLICT_REPEATS, get_settings
from devops_orchestrator.core.briefing_file import build_briefing_refusal
from devops_orchestrator.core.decide import decide
from devops_orchestrator.core.decision import Decision, InvalidSpec, JobToCreate, Observation
from devops_orchestrator.core.jobs import JobConfig, render_job
from devops_orchestrator.core.observe import build_observation
from devops_orchestrator.core.pass_event import build_pass_event
from devops_orchestrator.core.pod_creation import (
    explain_refused_create,
    mark_failed,
    name_of,
    nothing_to_read_yet,
)
from devops_orchestrator.core.policies import (
    UNEXPECTED_ERROR_DELAY_SECONDS,
    rerun_at_once,
    safety_net_delay,
)
from devops_orchestrator.core.routing import RoutingDecision
from devops_orchestrator.core.spend import build_usage_delta, default_budget
from devops_orchestrator.core.status import build_worker_durations, is_settled, read_status
from devops_orchestrator.core.watch_view import owner_task_name
from devops_orchestrator.job_events import JobChangeFilter
from devops_orchestrator.models import AgentDefinition, DevOpsTaskSpec
from devops_orchestrator.result_cache import ResultCache, finished_job_names
from devops_orchestrator.watched import WatchedTasks
from devops_orchestrator.workspace_turns import end_turn, take_turn

logger = logging.getLogger(__name__)

TaskKey = tuple[str, str]  # (namespace, name)
# kopf's context variables of its Event poster (kopf.event reads them).
KOPF_POSTER_VARS = frozenset({"event_queue_var", "event_queue_loop_var"})
# Bounds the decide-again loop after refused creates (each round fails one worker or more).
MAX_REFUSED_REDECISIONS = 8
# Chooses a task's workers with I/O (the Claude planner); None: the deterministic one.
Planner = Callable[[DevOpsTaskSpec, Sequence[AgentDefinition]], RoutingDecision]


@dataclass(frozen=True)
class PassOutcome:
    task: dict[str, Any] | None  # None: the task is gone
    decision: Decision | None = None
    created: tuple[str, ...] = ()  # Jobs this pass created (not those already there)
    stopped: tuple[str, ...] = ()
    status_written: bool = False
    old_status: dict[str, Any] = field(default_factory=dict)


def run_pass(
    namespace: str,
    name: str,
    *,
    job_config: JobConfig,
    definitions: Sequence[AgentDefinition],
    now: datetime | None = None,
    planner: Planner | None = None,
    cache: ResultCache | None = None,
    job_changes: JobChangeFilter | None = None,
    watched: WatchedTasks | None = None,
    fresh: bool = False,
) -> PassOutcome:
    """Observe the task, its Jobs and their results; decide; create and stop Jobs; write
    the status once. Raises RetryableError / PermanentError from the adapters. With
    `cache`, the results are read only when a Job finished since the last read. With
    `watched`, the task and its Jobs are taken from the watches when known there, unless
    `fresh` (after a conflict, and for the safety net) asks to read them again."""
    key = (namespace, name)
    task = _observe_task(key, watched, fresh)
    if task is None:
        return PassOutcome(task=None)
    now = now or datetime.now(UTC)
    meta = task["metadata"]
    uid: str = meta["uid"]
    owned = _observe_jobs(key, uid, watched, fresh)
    stuck = jobs.read_pod_failures(namespace, owned, now)  # no silent hang
    owned = [
        mark_failed(job, stuck[job_name], now) if (job_name := name_of(job)) in stuck else job
        for job in owned
    ]
    finished = finished_job_names(owned)
    stored = cache.get(key, uid, finished) if cache is not None else None
    if stored is None:
        known = cache.known(key, uid) if cache is not None else None
        if known is None and watched is not None and watched.seen_from_creation(key):
            known = StoredResults()  # all stored for it were stored by us: none listed
        stored = _read_results(namespace, name, uid, owned, known)
        if cache is not None:
            cache.put(key, uid, finished, stored)
    settings = get_settings()

    def observe(owned: list[dict[str, Any]]) -> Observation | InvalidSpec:
        return build_observation(
            task,
            owned,
            stored.results,
            jobs.read_crash_messages(namespace, owned, stored.errors),
            definitions,
            now,
            usages=stored.usages,
            budget_defaults=default_budget(
                settings.budget_max_tokens, settings.budget_max_cost_usd
            ),
        )

    observation = observe(owned)
    decision = take_turn(task, observation, now) or decide(observation)
    routing: RoutingDecision | None = None
    if decision.routed and planner is not None and isinstance(observation, Observation):
        # Only the pass that chooses the workers asks the planner (one model call).
        routing = planner(observation.spec, definitions)
        decision = decide(replace(observation, routing=routing))

    created: list[str] = []
    for _ in range(MAX_REFUSED_REDECISIONS):
        made, refused = _create_workers(
            namespace, name, uid, decision.create, job_config, job_changes, watched, now
        )
        created += made
        if not refused:
            break
        # A refused create fails its worker like a Job that cannot create its pods:
        # decide again with it failed (no retry), so the status says why at once.
        owned = [*owned, *refused]
        observation = observe(owned)
        if routing is not None and isinstance(observation, Observation):
            observation = replace(observation, routing=routing)
        decision = decide(observation)
    stopped = [job_name for job_name in decision.stop if jobs.delete_job(namespace, job_name)]

    if cache is not None and decision.finished:
        cache.forget((namespace, name))
    if decision.changed:
        written = tasks.patch_task_status(
            namespace, name, decision.status_patch, resource_version=meta.get("resourceVersion")
        )
        if written is None:
            if watched is not None:
                watched.forget(key)
            return PassOutcome(task=None)  # deleted meanwhile
        if watched is not None:
            watched.remember_task(written)  # the next pass starts from what we wrote
    end_turn(observation, decision)
    # Jobs that cannot run go once the status says why (the controller would keep them).
    stopped += [job_name for job_name in stuck if jobs.delete_job(namespace, job_name)]
    return PassOutcome(
        task=task,
        decision=decision,
        created=tuple(created),
        stopped=tuple(stopped),
        status_written=decision.changed,
        old_status=dict(task.get("status") or {}),
    )


def _observe_task(key: TaskKey, watched: WatchedTasks | None, fresh: bool) -> dict[str, Any] | None:
    """The task's body: as the watch showed it last, else read (None: it is gone)."""
    task = watched.task(key) if watched is not None and not fresh else None
    if task is not None:
        return task
    task = tasks.get_task(*key)
    if watched is not None:
        if task is None:
            watched.forget(key)
        else:
            watched.remember_task(task)
    return task


def _observe_jobs(
    key: TaskKey, uid: str, watched: WatchedTasks | None, fresh: bool
) -> list[dict[str, Any]]:
    """The Jobs the task owns: from the watch when it has seen all of them, else listed."""
    owned = watched.jobs(key, uid) if watched is not None and not fresh else None
    if owned is not None:
        return owned
    owned = jobs.list_owned_jobs(*key, uid)
    if watched is not None:
        watched.seed_jobs(key, owned)
    return owned


def _read_results(
    namespace: str,
    name: str,
    uid: str,
    owned: list[dict[str, Any]],
    known: StoredResults | None,
) -> StoredResults:
    try:
        return results.read_results(namespace, name, uid, owned, known)
    except PermanentError as exc:
        if nothing_to_read_yet(exc.status, len(owned)):
            return StoredResults()
        raise


def _create_workers(
    namespace: str,
    name: str,
    uid: str,
    create: Sequence[JobToCreate],
    job_config: JobConfig,
    job_changes: JobChangeFilter | None,
    watched: WatchedTasks | None,
    now: datetime,
) -> tuple[list[str], list[dict[str, Any]]]:
    """Create each worker's Job (it carries the briefing: core.briefing_file). Returns
    the Jobs this call created, and for each worker whose Job cannot be made (the API
    server refused the create, or its briefing is too big to carry) its Job marked failed
    with the reason (it does not exist; the decision must see it failed)."""
    created: list[str] = []
    refused: list[dict[str, Any]] = []
    for job in create:
        manifest = render_job(
            job,
            task_name=name,
            task_uid=uid,
            namespace=namespace,
            config=job_config,
            git_credentials_refused=git_credentials.refusal(namespace, job.briefing),
        )
        too_big = build_briefing_refusal(manifest)
        if too_big is not None:  # the API server would refuse it: say why, no retry
            refused.append(mark_failed(manifest, too_big, now))
            continue
        try:
            fresh = jobs.ensure_job(namespace, manifest)
        except PermanentError as exc:
            reason = explain_refused_create(exc.status, "Job", namespace=namespace)
            if reason is None:
                raise
            refused.append(mark_failed(manifest, reason, now))
            continue
        if fresh:
            if job_changes is not None:
                job_changes.created(manifest)
            if watched is not None:  # as rendered; its watch event brings the rest
                watched.add_created_job((namespace, name), manifest)
            created.append(job.job_name)
            metrics.JOBS_CREATED.labels(worker=job.worker).inc()
    return created, refused


# --------------------------------------------------------------------------------------
# The async coordinator
# --------------------------------------------------------------------------------------


class Reconciler:
    """Serialises and coalesces passes per task and schedules the requeues."""

    def __init__(
        self,
        job_config: JobConfig,
        definitions: Sequence[AgentDefinition],
        planner: Planner | None = None,
        recheck_seconds: float = 60.0,
    ) -> None:
        self.job_config = job_config
        # The safety net: a task with no pass for this long (stretched with many tasks in
        # flight: `safety_net_delay`) gets one that reads it and lists its Jobs again (a
        # missed watch event cannot leave it hanging).
        self.recheck_seconds = recheck_seconds
        self.definitions = tuple(definitions)
        self.planner = planner
        # The planner's answer for a pass that did not complete (a 409 on the status
        # write, a retryable error): its repeat reuses it instead of paying for a call.
        self._routings: dict[TaskKey, tuple[DevOpsTaskSpec, RoutingDecision]] = {}
        self.results = ResultCache()
        self.job_changes = JobChangeFilter()
        self.watched = WatchedTasks()
        self._locks: dict[TaskKey, asyncio.Lock] = {}
        self._waiting: set[TaskKey] = set()
        self._fresh: set[TaskKey] = set()  # the next pass reads instead of using the watch
        self._requeues: dict[TaskKey, asyncio.TimerHandle] = {}
        # Timers and background passes run in the context the reconciler was made in
        # (kopf's start-up: its Event poster), not in that of the handler that triggered
        # them: kopf's context holds the event's cause, with the whole body, and a timer
        # would keep that alive for `recheck_seconds`.
        self._context = contextvars.copy_context()
        self._poster_lent = False
        self._background: set[asyncio.Task[None]] = set()

    def _borrow_event_poster(self) -> None:
        """kopf sets its Event poster (queue and loop) in the context of each object it
        handles, not at start-up: the first handler call lends it to the reconciler's own
        context, where the passes post their Events (`kopf.event`)."""
        if self._poster_lent:
            return
        lent = [
            (var, value)
            for var, value in contextvars.copy_context().items()
            if var.name in KOPF_POSTER_VARS
        ]
        for var, value in lent:
            self._context.run(var.set, value)
        self._poster_lent = len(lent) == len(KOPF_POSTER_VARS)

    def task_event(self, event_type: str | None, body: Mapping[str, Any]) -> None:
        """A watch event of a DevOpsTask (type None: kopf's listing): kept, and a pass
        when it asks for one (`WatchedTasks.observe_task`)."""
        self._borrow_event_poster()
        meta = body.get("metadata") or {}
        key: TaskKey = (str(meta.get("namespace") or ""), str(meta.get("name") or ""))
        if self.watched.observe_task(event_type, body):
            self.trigger(*key)
        elif event_type == "DELETED":
            self.forget(*key)
        elif self.watched.task(key) is None:
            self._release(key)  # settled: nothing more to do for it

    def job_event(self, event_type: str | None, body: Mapping[str, Any]) -> None:
        """A watch event of a Job we own: kept, and a pass for its task when it changes
        what the decision reads of it (`JobChangeFilter`) and the task is one a pass could
        still change. A task not watched (settled, gone, or not listed yet: its own
        listing brings a pass that lists its Jobs) gets none: at a start over finished
        tasks, each of their Jobs cost a pass that read the task and listed its Jobs."""
        self._borrow_event_poster()
        self.watched.observe_job(event_type, body)
        namespace = (body.get("metadata") or {}).get("namespace")
        task_name = owner_task_name(body)
        if not (namespace and task_name):
            return
        changed = self.job_changes.changed(event_type, body)  # its memory of the Job, always
        if changed and self.watched.task((str(namespace), task_name)) is not None:
            self.trigger(str(namespace), task_name)

    async def reconcile(
        self, namespace: str, name: str, *, fresh: bool = False
    ) -> PassOutcome | None:
        """Run a pass for the task, unless one is already waiting to start (that one
        will observe whatever this trigger was about): returns None then. `fresh`:
        read the task and list its Jobs instead of taking them from the watches."""
        key = (namespace, name)
        if fresh:
            self._fresh.add(key)
        if key in self._waiting:
            return None
        self._waiting.add(key)
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                self._waiting.discard(key)
                fresh = key in self._fresh
                self._fresh.discard(key)
                return await self._run(key, fresh)
        finally:
            # Nothing is kept per task between passes: the next trigger makes a new lock.
            if key not in self._waiting and not lock.locked():
                self._locks.pop(key, None)

    def trigger(
        self, namespace: str, name: str, *, after: float = 0.0, fresh: bool = False
    ) -> None:
        """Schedule a pass in the background (from watchers and requeues); failures are
        logged and retried after their delay. A timed one replaces the one before."""
        key = (namespace, name)
        loop = asyncio.get_running_loop()
        if after > 0:
            previous = self._requeues.pop(key, None)
            if previous is not None:
                previous.cancel()
            self._requeues[key] = loop.call_later(
                after, self._requeue_due, key, fresh, context=self._context.copy()
            )
        else:
            self._start_background(key, fresh)

    def forget(self, namespace: str, name: str) -> None:
        """The task is gone: nothing of it is kept."""
        key = (namespace, name)
        self._release(key)
        self.watched.forget(key)
        if key not in self._waiting and not (key in self._locks and self._locks[key].locked()):
            self._locks.pop(key, None)
        metrics.forget_task(namespace, name)

    def _release(self, key: TaskKey) -> None:
        """What is kept for a task while a pass could still change it."""
        self._cancel_requeue(key)
        self.results.forget(key)
        self._routings.pop(key, None)
        self._fresh.discard(key)

    def _cancel_requeue(self, key: TaskKey) -> None:
        handle = self._requeues.pop(key, None)
        if handle is not None:
            handle.cancel()

    def _requeue_due(self, key: TaskKey, fresh: bool) -> None:
        self._requeues.pop(key, None)
        self._start_background(key, fresh)

    def _start_background(self, key: TaskKey, fresh: bool = False) -> None:
        task = asyncio.get_running_loop().create_task(
            self._background_pass(key, fresh), context=self._context.copy()
        )
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _background_pass(self, key: TaskKey, fresh: bool) -> None:
        try:
            await self.reconcile(*key, fresh=fresh)
        except RetryableError as exc:
            logger.warning("reconcile %s/%s: %s; again in %.0fs", *key, exc, exc.delay)
            self.trigger(*key, after=exc.delay, fresh=True)
        except PermanentError as exc:
            logger.error("reconcile %s/%s: %s", *key, exc)
        except Exception:
            metrics.RECONCILE_ERRORS.labels(kind="unexpected").inc()
            logger.exception("reconcile %s/%s failed", *key)
            self.trigger(*key, after=UNEXPECTED_ERROR_DELAY_SECONDS, fresh=True)

    async def _run(self, key: TaskKey, fresh: bool) -> PassOutcome:
        namespace, name = key
        planner = self._remembering_planner(key)
        for repeat in range(RECONCILE_CONFLICT_REPEATS):
            try:
                outcome = await asyncio.to_thread(
                    run_pass,
                    namespace,
                    name,
                    job_config=self.job_config,
                    definitions=self.definitions,
                    planner=planner,
                    cache=self.results,
                    job_changes=self.job_changes,
                    watched=self.watched,
                    fresh=fresh,
                )
                break
            except RetryableError as exc:
                if rerun_at_once(exc.status, repeat):
                    fresh = True  # a conflict: what the watch showed is stale
                    continue
                metrics.RECONCILE_ERRORS.labels(kind="retryable").inc()
                raise
            except PermanentError:
                metrics.RECONCILE_ERRORS.labels(kind="permanent").inc()
                raise
        self._routings.pop(key, None)  # the pass completed: its plan is in the status
        self._after_pass(key, outcome)
        return outcome

    def _remembering_planner(self, key: TaskKey) -> Planner | None:
        """The planner, asked at most once per spec until a pass completes."""
        planner = self.planner
        if planner is None:
            return None

        def plan(spec: DevOpsTaskSpec, definitions: Sequence[AgentDefinition]) -> RoutingDecision:
            remembered = self._routings.get(key)
            if remembered is not None and remembered[0] == spec:
                return remembered[1]
            routing = planner(spec, definitions)
            self._routings[key] = (spec, routing)
            return routing

        return plan

    def _after_pass(self, key: TaskKey, outcome: PassOutcome) -> None:
        """Events, metrics and the next timed pass, once the status is written."""
        decision, task = outcome.decision, outcome.task
        if task is None or decision is None:
            self.forget(*key)
            return
        phase_before = read_status(outcome.old_status).phase
        phase = read_status(decision.status).phase
        if outcome.created or outcome.stopped or phase != phase_before:
            logger.info(
                "%s/%s: %s -> %s; created %s; stopped %s",
                *key,
                phase_before,
                phase,
                list(outcome.created) or "-",
                list(outcome.stopped) or "-",
            )
        # One Event per pass, for all its transitions (one API request); the status it
        # describes is stored by now.
        event = build_pass_event(decision.events, finished=decision.finished)
        if event is not None:
            try:
                kopf.event(
                    cast(kopf.Body, task),
                    type=event.type,
                    reason=event.reason,
                    message=event.message,
                )
            except LookupError:  # outside kopf's context (no poster): the status has it all
                logger.warning("%s/%s: event %s not posted", *key, event.reason)
        if phase is not None:
            metrics.record_task_phase(key[0], key[1], phase.value)
        for worker, outcome_phase, seconds in build_worker_durations(
            outcome.old_status, decision.status
        ):
            metrics.WORKER_DURATION.labels(worker=worker, outcome=outcome_phase).observe(seconds)
        metrics.record_spend(build_usage_delta(outcome.old_status, decision.status))
        if decision.finished or is_settled(task):
            # Nothing more to do for it: no safety-net timer is kept for a finished task.
            self._cancel_requeue(key)  # one an earlier pass scheduled
            return
        if decision.requeue_after is not None and decision.requeue_after < self.recheck_seconds:
            self.trigger(*key, after=max(0.05, decision.requeue_after))
        else:
            net = safety_net_delay(self.recheck_seconds, len(self.watched))
            self.trigger(*key, after=net, fresh=True)
