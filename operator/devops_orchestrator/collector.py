"""Garbage collection of finished DevOpsTasks, as a loop beside the reconciler.

Every `interval` seconds: list the tasks page by page; label the ones that leave or
come back into the operator's watch, and the Jobs of settled ones, which leave its Job
watch (core.unwatch, when `unwatch_after` is set); pick
those past their time (core.gc_policy) and delete each one; its Jobs and ConfigMaps
(briefing, result, artifacts: all owned by the task) follow through Kubernetes' garbage collector
(background propagation), so the operator needs no delete right on ConfigMaps. Deleting
is idempotent and guarded by the task's uid, so two replicas collecting at once, or a
namesake created meanwhile, are harmless. Kubernetes errors are logged and the next
round tries again."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from devops_orchestrator.adapters import job_labels, tasks
from devops_orchestrator.adapters.errors import AdapterError
from devops_orchestrator.constants import LABEL_SETTLED
from devops_orchestrator.core.gc_policy import select_expired
from devops_orchestrator.core.unwatch import (
    JOB_WATCH_SELECTOR,
    JobRef,
    index_jobs_by_task,
    select_settled_jobs,
    select_watch_changes,
)

logger = logging.getLogger(__name__)

DELETE_CONCURRENCY = 4  # deletes in flight at once: after an outage thousands may be due


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Collector:
    namespaces: Sequence[str]  # empty: every namespace
    default_ttl: int
    interval: float
    page_size: int = tasks.PAGE_SIZE
    clock: Callable[[], datetime] = _now
    unwatch_after: float = 0.0  # seconds after a settled task finished; 0: never
    intake_namespace: str = ""  # where Redis tasks are made (their results are ours)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def collect_once(self) -> int:
        """One round; returns how many tasks it deleted."""
        deleted = 0
        now = self.clock()
        # The Jobs still watched first: a Job made after this list is one of a task that
        # is not settled yet.
        watched_jobs = self._watched_jobs()
        pages = tasks.iter_task_pages(self.namespaces, page_size=self.page_size)
        relabelled = jobs_out = 0
        with ThreadPoolExecutor(max_workers=DELETE_CONCURRENCY) as pool:
            for page in pages:
                relabelled += self._relabel(pool, page, now)
                jobs_out += self._unwatch_jobs(pool, select_settled_jobs(page, watched_jobs))
                expired = select_expired(page, default_ttl=self.default_ttl, now=now)
                calls = [
                    pool.submit(tasks.delete_task, task.namespace, task.name, task.uid)
                    for task in expired
                ]
                deleted += sum(1 for call in calls if call.result())
        if deleted:
            logger.info("deleted %d finished DevOpsTasks past their time", deleted)
        if relabelled:
            logger.info("%d settled DevOpsTasks left or rejoined the watch", relabelled)
        if jobs_out:
            logger.info("%d Jobs of settled DevOpsTasks left the watch", jobs_out)
        return deleted

    def _watched_jobs(self) -> dict[str, list[JobRef]]:
        if not self.unwatch_after:
            return {}
        pages = job_labels.iter_job_metadata_pages(
            self.namespaces, JOB_WATCH_SELECTOR, self.page_size
        )
        return index_jobs_by_task(job for page in pages for job in page)

    def _unwatch_jobs(self, pool: ThreadPoolExecutor, leaving: list[JobRef]) -> int:
        calls = [
            pool.submit(job_labels.label_job, namespace, name, {LABEL_SETTLED: "true"})
            for namespace, name in leaving
        ]
        return sum(1 for call in calls if call.result())

    def _relabel(self, pool: ThreadPoolExecutor, page: list[dict[str, Any]], now: datetime) -> int:
        if not self.unwatch_after:
            return 0
        changes = select_watch_changes(
            page, now=now, after_seconds=self.unwatch_after, intake_namespace=self.intake_namespace
        )
        calls = [
            pool.submit(
                tasks.annotate_task,
                change.namespace,
                change.name,
                {},
                {LABEL_SETTLED: "true" if change.settled else "false"},
            )
            for change in changes
        ]
        return sum(1 for call in calls if call.result())

    def run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.collect_once()
            except AdapterError as exc:
                logger.warning("collecting finished tasks: %s", exc)
            except Exception:
                logger.exception("collecting finished tasks failed")

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="task-collector", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
