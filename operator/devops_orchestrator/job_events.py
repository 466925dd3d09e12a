"""Which Job events are worth a reconcile pass.

A worker Job changes many times that the decision never reads (its start time, active
and ready pod counts, uncounted terminated pods, finalizer bookkeeping): each of those
events used to cost a full pass. A pass now follows only when the Job as the decision
sees it (`core.observe.build_observed_job`: finished, failed and why, being deleted)
differs from what the last event showed, or from the Job as the pass that created it
rendered it (so a Job's own ADDED event costs no second pass). What is remembered is
that view, for Jobs not yet finished only: nothing stays once a Job is done."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from devops_orchestrator.core.decision import ObservedJob
from devops_orchestrator.core.observe import build_observed_job

JobKey = tuple[str, str]  # (namespace, name): a Job's name is unique per attempt


def _key(job: Mapping[str, Any]) -> JobKey:
    meta = job.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


def _view(job: Mapping[str, Any]) -> ObservedJob:
    return replace(build_observed_job(job, {}), start_time=None)


class JobChangeFilter:
    def __init__(self) -> None:
        self._seen: dict[JobKey, ObservedJob] = {}  # unfinished Jobs only
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._seen)

    def created(self, manifest: Mapping[str, Any]) -> None:
        """A Job this operator just created: its ADDED event brings nothing new."""
        with self._lock:
            self._seen[_key(manifest)] = _view(manifest)

    def changed(self, event_type: str | None, job: Mapping[str, Any]) -> bool:
        """Whether this event shows the decision something new about the Job."""
        key = _key(job)
        view = _view(job)
        with self._lock:
            before = self._seen.pop(key, None)
            if event_type == "DELETED":
                return True
            if view.active:
                self._seen[key] = view
            return before != view
