"""One reconcile pass of a DevOpsTask: observe -> decide -> act -> one status write.

`run_pass` is the level-based pass (blocking I/O through the adapters; it runs in a
thread). `Reconciler` is the async coordinator every kopf handler calls: one pass at a
time per task (a per-task asyncio.Lock), triggers that arrive while a pass is waiting
are coalesced into it, a Decision's `requeue_after` schedules the next pass, and after
the status is written it emits the Decision's Events and updates the metrics.

Why a direct call instead of, say, patching an annotation from the Job watcher: it
costs no extra API write per Job event, works the same whoever triggers it (create,
update, resume, timer, Job event, requeue), and the per-task lock makes concurrent
triggers safe; a trigger lost in a crash is made up by `on.resume` and the timer."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import kopf
from pydantic import ValidationError

from devops_orchestrator import metrics
from devops_orchestrator.adapters import kube, results
from devops_orchestrator.adapters.kube import PermanentError, RetryableError
from devops_orchestrator.constants import (
    ANNOTATION_RETRY,
    LABEL_ATTEMPT,
    LABEL_MANAGED_BY,
    LABEL_WORKER,
    MANAGED_BY,
)
from devops_orchestrator.core.decision import Decision, Observation, ObservedJob
from devops_orchestrator.core.jobs import JobConfig, build_task_selector, render_job
from devops_orchestrator.core.reconcile import decide
from devops_orchestrator.models import AgentDefinition, DevOpsTaskSpec, TaskPhase

logger = logging.getLogger(__name__)

TaskKey = tuple[str, str]  # (namespace, name)
CONFLICT_REPEATS = 3  # passes re-run at once when the status write meets a conflict


# --------------------------------------------------------------------------------------
# Observing (pure helpers over the JSON the API returned)
# --------------------------------------------------------------------------------------


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _condition(job: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    for cond in job.get("status", {}).get("conditions") or []:
        if cond.get("type") == kind and cond.get("status") == "True":
            return dict(cond)
    return None


def is_owned_by(obj: Mapping[str, Any], uid: str) -> bool:
    owners = obj.get("metadata", {}).get("ownerReferences") or []
    return any(owner.get("uid") == uid for owner in owners)


def build_observed_job(job: Mapping[str, Any], errors: Mapping[str, str]) -> ObservedJob:
    """An owned Job as the decision sees it. A Job being deleted before it finished
    (stopped by us or by a person) counts as failed with reason `Deleted`."""
    meta = job.get("metadata", {})
    labels = meta.get("labels") or {}
    name: str = meta.get("name", "")
    status = job.get("status") or {}
    complete = _condition(job, "Complete")
    failed = _condition(job, "Failed")
    deleting = bool(meta.get("deletionTimestamp")) and not complete and not failed
    try:
        attempt = int(labels.get(LABEL_ATTEMPT, "1"))
    except ValueError:
        attempt = 1
    finished_at = parse_time(status.get("completionTime"))
    if failed is not None:
        finished_at = parse_time(failed.get("lastTransitionTime"))
    failure_message = errors.get(name)
    if failure_message is None and failed is not None:
        failure_message = failed.get("message")
    return ObservedJob(
        name=name,
        worker=labels.get(LABEL_WORKER, ""),
        attempt=attempt,
        active=complete is None and failed is None and not deleting,
        succeeded=complete is not None,
        failed=failed is not None or deleting,
        start_time=parse_time(status.get("startTime")),
        completion_time=finished_at,
        failure_reason=(failed or {}).get("reason") or ("Deleted" if deleting else None),
        failure_message=failure_message if (failed is not None or deleting) else None,
    )


def build_observation(
    task: Mapping[str, Any],
    spec: DevOpsTaskSpec,
    jobs: Sequence[Mapping[str, Any]],
    stored: results.StoredResults,
    definitions: Sequence[AgentDefinition],
    now: datetime,
) -> Observation:
    meta = task.get("metadata", {})
    observed = sorted(
        (build_observed_job(job, stored.errors) for job in jobs),
        key=lambda j: (j.worker, j.attempt, j.name),
    )
    return Observation(
        name=meta["name"],
        namespace=meta["namespace"],
        uid=meta.get("uid", ""),
        generation=int(meta.get("generation") or 0),
        spec=spec,
        status=dict(task.get("status") or {}),
        created_at=parse_time(meta.get("creationTimestamp")) or now,
        retry_token=(meta.get("annotations") or {}).get(ANNOTATION_RETRY),
        jobs=tuple(observed),
        results=dict(stored.results),
        definitions=tuple(definitions),
        now=now,
    )


def build_log_excerpt(log: str, limit: int = 300) -> str:
    """The last non-blank lines of a crashed worker's log, joined, at most `limit` long."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    text = " | ".join(lines[-3:])
    return text if len(text) <= limit else "..." + text[-(limit - 3) :]


def _crashed(job: Mapping[str, Any]) -> bool:
    """Failed because its container exited non-zero (not a deadline, not a deletion)."""
    failed = _condition(job, "Failed")
    return failed is not None and failed.get("reason") in (
        "BackoffLimitExceeded",
        "PodFailurePolicy",
    )


_LOG_CACHE_SIZE = 512
_log_cache: dict[str, str] = {}  # by Job uid: the log of a finished pod does not change
_log_cache_lock = threading.Lock()


def read_crash_messages(
    namespace: str, jobs: Sequence[Mapping[str, Any]], errors: Mapping[str, str]
) -> dict[str, str]:
    """`errors` plus, for Jobs whose worker crashed without storing an error, the tail of
    its log (read once per Job and remembered)."""
    merged = dict(errors)
    for job in jobs:
        meta = job.get("metadata", {})
        name, uid = meta.get("name", ""), meta.get("uid", "")
        if name in merged or not _crashed(job):
            continue
        with _log_cache_lock:
            cached = _log_cache.get(uid)
        if cached is None:
            cached = build_log_excerpt(kube.read_job_log_tail(namespace, name))
            with _log_cache_lock:
                if len(_log_cache) >= _LOG_CACHE_SIZE:
                    _log_cache.pop(next(iter(_log_cache)))
                _log_cache[uid] = cached
        if cached:
            merged[name] = cached
    return merged


# --------------------------------------------------------------------------------------
# The status write
# --------------------------------------------------------------------------------------


def drop_nulls(value: Any) -> Any:
    """`value` without None entries in its mappings (null deletes in a merge patch)."""
    if isinstance(value, Mapping):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def build_status_patch(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON merge patch turning `old` into `new` (empty when they are equal).
    Keys gone from `new` become null, nested mappings are patched key by key, lists
    and scalars are replaced."""
    patch: dict[str, Any] = {}
    for key in old:
        if key not in new:
            patch[key] = None
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, Mapping) and isinstance(before, Mapping):
            sub = build_status_patch(before, value)
            if sub:
                patch[key] = sub
        elif before != value or key not in old:
            patch[key] = value
    return patch


def build_invalid_spec_status(
    old: Mapping[str, Any], message: str, now: datetime
) -> dict[str, Any]:
    """Status of a task whose spec our models refuse (the CRD schema should have)."""
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        **dict(old),
        "phase": TaskPhase.FAILED.value,
        "message": message,
        "completedAt": old.get("completedAt") or stamp,
        "conditions": [
            {
                "type": "Failed",
                "status": "True",
                "reason": "InvalidSpec",
                "message": message,
                "lastTransitionTime": stamp,
            }
        ],
    }


# --------------------------------------------------------------------------------------
# One pass (blocking I/O)
# --------------------------------------------------------------------------------------


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
) -> PassOutcome:
    """Observe the task, its Jobs and their results; decide; create and stop Jobs; write
    the status once. Raises RetryableError / PermanentError from the adapter."""
    task = kube.get_task(namespace, name)
    if task is None:
        return PassOutcome(task=None)
    now = now or datetime.now(UTC)
    old_status: dict[str, Any] = dict(task.get("status") or {})
    resource_version = task.get("metadata", {}).get("resourceVersion")
    try:
        spec = DevOpsTaskSpec.model_validate(task.get("spec") or {})
    except ValidationError as exc:
        message = f"invalid spec: {str(exc).splitlines()[0]} ({exc.error_count()} errors)"
        new = build_invalid_spec_status(old_status, message, now)
        patch = build_status_patch(old_status, drop_nulls(new))
        if patch and old_status.get("phase") != TaskPhase.FAILED.value:
            kube.patch_task_status(namespace, name, patch, resource_version=resource_version)
        raise PermanentError(message) from exc

    uid: str = task["metadata"]["uid"]
    selector = f"{build_task_selector(name)},{LABEL_MANAGED_BY}={MANAGED_BY}"
    # Owned by this very task: Jobs of a deleted namesake linger until collected.
    jobs = [job for job in kube.list_jobs(namespace, selector) if is_owned_by(job, uid)]
    stored = results.read_results(namespace, name, uid)
    errors = read_crash_messages(namespace, jobs, stored.errors)
    stored = results.StoredResults(results=stored.results, errors=errors)
    decision = decide(build_observation(task, spec, jobs, stored, definitions, now))

    created: list[str] = []
    for job in decision.create:
        manifest = render_job(
            job, task_name=name, task_uid=uid, namespace=namespace, config=job_config
        )
        if kube.ensure_job(namespace, manifest):
            created.append(job.job_name)
            metrics.JOBS_CREATED.labels(worker=job.worker).inc()
    stopped = [job_name for job_name in decision.stop if kube.delete_job(namespace, job_name)]

    patch = build_status_patch(old_status, drop_nulls(decision.status))
    written = False
    if patch:
        stored_task = kube.patch_task_status(
            namespace, name, patch, resource_version=resource_version
        )
        if stored_task is None:
            return PassOutcome(task=None)  # deleted meanwhile
        written = True
    return PassOutcome(
        task=task,
        decision=decision,
        created=tuple(created),
        stopped=tuple(stopped),
        status_written=written,
        old_status=old_status,
    )


# --------------------------------------------------------------------------------------
# Metrics derived from a pass
# --------------------------------------------------------------------------------------

_FINAL_WORKER_PHASES = ("Succeeded", "Failed")


def _worker_entries(status: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    workers = status.get("workers") or {}
    if isinstance(workers, Mapping):
        return {str(k): v for k, v in workers.items() if isinstance(v, Mapping)}
    if isinstance(workers, list):
        return {str(w.get("name") or w.get("worker")): w for w in workers if isinstance(w, Mapping)}
    return {}


def build_worker_durations(
    old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[tuple[str, str, float]]:
    """(worker, outcome, seconds) of the workers that reached a final phase between
    `old` and `new` (pure)."""
    before = _worker_entries(old)
    finished: list[tuple[str, str, float]] = []
    for worker, entry in _worker_entries(new).items():
        phase = entry.get("phase")
        if phase not in _FINAL_WORKER_PHASES or (before.get(worker) or {}).get("phase") == phase:
            continue
        start = parse_time(entry.get("startedAt") or entry.get("startTime"))
        end = parse_time(entry.get("finishedAt") or entry.get("completedAt"))
        if start is not None and end is not None:
            finished.append((worker, str(phase), max(0.0, (end - start).total_seconds())))
    return finished


# --------------------------------------------------------------------------------------
# The async coordinator
# --------------------------------------------------------------------------------------


class Reconciler:
    """Serialises and coalesces passes per task and schedules the requeues."""

    def __init__(self, job_config: JobConfig, definitions: Sequence[AgentDefinition]) -> None:
        self.job_config = job_config
        self.definitions = tuple(definitions)
        self._locks: dict[TaskKey, asyncio.Lock] = {}
        self._waiting: set[TaskKey] = set()
        self._requeues: dict[TaskKey, asyncio.TimerHandle] = {}
        self._background: set[asyncio.Task[None]] = set()

    async def reconcile(self, namespace: str, name: str) -> PassOutcome | None:
        """Run a pass for the task, unless one is already waiting to start (that one
        will observe whatever this trigger was about): returns None then."""
        key = (namespace, name)
        if key in self._waiting:
            return None
        self._waiting.add(key)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            self._waiting.discard(key)
            return await self._run(key)

    def trigger(self, namespace: str, name: str, *, after: float = 0.0) -> None:
        """Schedule a pass in the background (from watchers and requeues); failures are
        logged and retried after their delay."""
        key = (namespace, name)
        loop = asyncio.get_running_loop()
        if after > 0:
            previous = self._requeues.pop(key, None)
            if previous is not None:
                previous.cancel()
            self._requeues[key] = loop.call_later(after, self._start_background, key)
        else:
            self._start_background(key)

    def forget(self, namespace: str, name: str) -> None:
        key = (namespace, name)
        handle = self._requeues.pop(key, None)
        if handle is not None:
            handle.cancel()
        if key not in self._waiting and not (key in self._locks and self._locks[key].locked()):
            self._locks.pop(key, None)
        metrics.forget_task(namespace, name)

    def _start_background(self, key: TaskKey) -> None:
        self._requeues.pop(key, None)
        task = asyncio.get_running_loop().create_task(self._background_pass(key))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _background_pass(self, key: TaskKey) -> None:
        try:
            await self.reconcile(*key)
        except RetryableError as exc:
            logger.warning("reconcile %s/%s: %s; again in %.0fs", *key, exc, exc.delay)
            self.trigger(*key, after=exc.delay)
        except PermanentError as exc:
            logger.error("reconcile %s/%s: %s", *key, exc)
        except Exception:
            metrics.RECONCILE_ERRORS.labels(kind="unexpected").inc()
            logger.exception("reconcile %s/%s failed", *key)
            self.trigger(*key, after=10.0)

    async def _run(self, key: TaskKey) -> PassOutcome:
        namespace, name = key
        for repeat in range(CONFLICT_REPEATS):
            try:
                outcome = await asyncio.to_thread(
                    run_pass,
                    namespace,
                    name,
                    job_config=self.job_config,
                    definitions=self.definitions,
                )
                break
            except RetryableError as exc:
                if exc.status == 409 and repeat < CONFLICT_REPEATS - 1:
                    continue
                metrics.RECONCILE_ERRORS.labels(kind="retryable").inc()
                raise
            except PermanentError:
                metrics.RECONCILE_ERRORS.labels(kind="permanent").inc()
                raise
        self._after_pass(key, outcome)
        return outcome

    def _after_pass(self, key: TaskKey, outcome: PassOutcome) -> None:
        """Events, metrics and the next timed pass, once the status is written."""
        decision, task = outcome.decision, outcome.task
        if task is None or decision is None:
            self.forget(*key)
            return
        phase_before, phase = outcome.old_status.get("phase"), decision.status.get("phase")
        if outcome.created or outcome.stopped or phase != phase_before:
            logger.info(
                "%s/%s: %s -> %s; created %s; stopped %s",
                *key,
                phase_before,
                phase,
                list(outcome.created) or "-",
                list(outcome.stopped) or "-",
            )
        for event in decision.events:  # the status they describe is stored by now
            try:
                kopf.event(
                    cast(kopf.Body, task),
                    type=event.type,
                    reason=event.reason,
                    message=event.message,
                )
            except LookupError:  # outside kopf's context (no poster): the status has it all
                logger.warning("%s/%s: event %s not posted", *key, event.reason)
        if phase:
            metrics.record_task_phase(key[0], key[1], str(phase))
        for worker, outcome_phase, seconds in build_worker_durations(
            outcome.old_status, decision.status
        ):
            metrics.WORKER_DURATION.labels(worker=worker, outcome=outcome_phase).observe(seconds)
        if decision.requeue_after is not None and not decision.finished:
            self.trigger(*key, after=max(0.05, decision.requeue_after))
