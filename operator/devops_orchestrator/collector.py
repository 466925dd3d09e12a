"""Garbage collection of finished DevOpsTasks, as a loop beside the reconciler.

Every `interval` seconds: list the tasks page by page, pick those past their time
(core.gc_policy) and delete each one; its Jobs and ConfigMaps (briefing, result,
artifacts: all owned by the task) follow through Kubernetes' garbage collector
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

from devops_orchestrator.adapters import tasks
from devops_orchestrator.adapters.errors import AdapterError
from devops_orchestrator.core.gc_policy import select_expired

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
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def collect_once(self) -> int:
        """One round; returns how many tasks it deleted."""
        deleted = 0
        now = self.clock()
        pages = tasks.iter_task_pages(self.namespaces, page_size=self.page_size)
        with ThreadPoolExecutor(max_workers=DELETE_CONCURRENCY) as pool:
            for page in pages:
                expired = select_expired(page, default_ttl=self.default_ttl, now=now)
                calls = [
                    pool.submit(tasks.delete_task, task.namespace, task.name, task.uid)
                    for task in expired
                ]
                deleted += sum(1 for call in calls if call.result())
        if deleted:
            logger.info("deleted %d finished DevOpsTasks past their time", deleted)
        return deleted

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
