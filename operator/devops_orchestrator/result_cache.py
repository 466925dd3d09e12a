"""The stored results of a running task's finished Jobs, read once.

A worker's result does not change once its Job finished, yet every pass used to list
the task's result ConfigMaps again. A pass now reads only when a Job finished since the
last read, and then only that Job's result (`known`); the list is for a task this
process has not read before (after a restart). A task's entry goes when the task is
final or deleted (nothing is kept per finished task)."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from devops_orchestrator.adapters.results import StoredResults


def finished_job_names(jobs: Sequence[Mapping[str, Any]]) -> frozenset[str]:
    """Jobs with a Complete or Failed condition (pure)."""
    names = set()
    for job in jobs:
        for cond in (job.get("status") or {}).get("conditions") or []:
            if cond.get("type") in ("Complete", "Failed") and cond.get("status") == "True":
                names.add(str((job.get("metadata") or {}).get("name", "")))
    return frozenset(names)


TaskKey = tuple[str, str]  # (namespace, name)


class ResultCache:
    def __init__(self) -> None:
        # by task: (its uid, the Jobs finished when read, what was read)
        self._by_task: dict[TaskKey, tuple[str, frozenset[str], StoredResults]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._by_task)

    def get(self, key: TaskKey, uid: str, finished: frozenset[str]) -> StoredResults | None:
        """What was read when exactly these Jobs of this very task had finished; None:
        read again."""
        if not finished:
            return StoredResults()  # no Job finished: no result to read yet
        with self._lock:
            entry = self._by_task.get(key)
        if entry is None or entry[:2] != (uid, finished):
            return None
        return entry[2]

    def known(self, key: TaskKey, uid: str) -> StoredResults | None:
        """What was last read for this very task, whatever had finished then."""
        with self._lock:
            entry = self._by_task.get(key)
        return entry[2] if entry is not None and entry[0] == uid else None

    def put(self, key: TaskKey, uid: str, finished: frozenset[str], stored: StoredResults) -> None:
        with self._lock:
            self._by_task[key] = (uid, finished, stored)

    def forget(self, key: TaskKey) -> None:
        with self._lock:
            self._by_task.pop(key, None)
