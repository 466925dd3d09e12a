"""Which Job events are worth a reconcile pass.

A worker Job changes many times that the decision never reads (active and ready pod
counts, uncounted terminated pods, finalizer bookkeeping): each of those events used to
cost a full pass. A pass now follows only when the Job as the decision sees it
(`core.observe.build_observed_job`: started, finished, failed and why, being deleted)
differs from what the last event showed. What is remembered is that view, for Jobs not
yet finished only: nothing stays once a Job is done."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from devops_orchestrator.core.decision import ObservedJob
from devops_orchestrator.core.observe import build_observed_job


class JobChangeFilter:
    def __init__(self) -> None:
        self._seen: dict[str, ObservedJob] = {}  # by Job uid, unfinished Jobs only
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._seen)

    def changed(self, event_type: str | None, job: Mapping[str, Any]) -> bool:
        """Whether this event shows the decision something new about the Job."""
        uid = str((job.get("metadata") or {}).get("uid") or "")
        view = build_observed_job(job, {})
        with self._lock:
            before = self._seen.pop(uid, None)
            if event_type == "DELETED" or not uid:
                return True
            if view.active:
                self._seen[uid] = view
            return before != view
