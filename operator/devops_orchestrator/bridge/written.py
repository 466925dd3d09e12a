"""What this process has already written to Redis for each task in flight: its
in-progress mark and the milestones it logged. Every watch event of a running task used
to repeat both (two scripts per event, about a dozen per three-worker task) although
only a new milestone changes anything. Remembered here only to skip writes that would
change nothing: the markers in Redis still decide, so a restart (nothing remembered)
writes at most once more what Redis then ignores."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

MAX_TASKS = 20_000  # tasks in flight remembered; the oldest go first beyond it


class WrittenToRedis:
    def __init__(self, max_tasks: int = MAX_TASKS) -> None:
        self.max_tasks = max_tasks
        self._logged: dict[str, set[str]] = {}  # task id -> milestone keys logged
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._logged)

    def in_progress(self, task_id: str) -> bool:
        """Whether this process marked the task in progress."""
        with self._lock:
            return task_id in self._logged

    def unlogged(self, task_id: str, lines: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """The (milestone key, line) pairs not logged by this process yet."""
        with self._lock:
            logged = self._logged.get(task_id, set())
            return [line for line in lines if line[0] not in logged]

    def has_news(self, task_id: str, keys: Iterable[str]) -> bool:
        """Whether a running task's milestones `keys` would write anything."""
        with self._lock:
            logged = self._logged.get(task_id)
            return logged is None or any(key not in logged for key in keys)

    def record(self, task_id: str, keys: Iterable[str] = ()) -> None:
        """The task is marked in progress, and the milestones `keys` are logged."""
        with self._lock:
            logged = self._logged.get(task_id)
            if logged is None:
                if len(self._logged) >= self.max_tasks:
                    self._logged.pop(next(iter(self._logged)))
                logged = self._logged[task_id] = set()
            logged.update(keys)

    def forget(self, task_id: str) -> None:
        """Its result is out (or it is gone): nothing more is written for it."""
        with self._lock:
            self._logged.pop(task_id, None)
