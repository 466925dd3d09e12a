"""Unfinished DevOpsTasks and their Jobs as the watches show them, so that a pass reads
no task and lists no Jobs.

kopf delivers every event of every DevOpsTask and of every Job we own. Kept here, for
tasks a pass could still change (not `core.status.is_settled`) only: the latest body of
the task and a view of each of its Jobs (`core.watch_view.build_job_view`). A task's
entry goes when it settles or is deleted, and events of Jobs of other tasks are not
kept: nothing stays per finished task.

A task's Jobs are taken from here only when every one of them is known to have passed
through here: the task was created while we watched (its Jobs come later, from our own
passes), or a pass listed them (`seed_jobs`). A task first seen in a listing (start-up,
or kopf resuming after a pause, when events may have been missed) is listed once by
its next pass. The bodies our own status writes return are kept too (`remember_task`),
so the next pass does not start from the body before that write."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from devops_orchestrator.constants import LABEL_SETTLED
from devops_orchestrator.core.observe import is_owned_by
from devops_orchestrator.core.status import is_settled
from devops_orchestrator.core.watch_view import (
    build_job_view,
    generation_and_retry,
    is_older,
    owner_task_name,
)

TaskKey = tuple[str, str]  # (namespace, name)


def _task_key(obj: Mapping[str, Any]) -> TaskKey:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


def _kept(body: Mapping[str, Any]) -> dict[str, Any]:
    """The task as kept here: without `metadata.managedFields` (a few KiB per task after
    the status writes of a run), which no pass, no status write and no Event reads."""
    meta = dict(body.get("metadata") or {})
    meta.pop("managedFields", None)
    return {**body, "metadata": meta}


def _rejoined(body: Mapping[str, Any]) -> bool:
    """A task back in the watch (core.unwatch), not a new one: its earlier Jobs were
    never seen here, so its next pass lists them."""
    return ((body.get("metadata") or {}).get("labels") or {}).get(LABEL_SETTLED) == "false"


class WatchedTasks:
    def __init__(self) -> None:
        self._tasks: dict[TaskKey, dict[str, Any]] = {}
        self._jobs: dict[TaskKey, dict[str, dict[str, Any]]] = {}  # by Job name
        self._all_jobs_seen: set[TaskKey] = set()
        self._seen_from_creation: set[TaskKey] = set()
        self._lock = threading.Lock()  # passes run in threads, events in the loop

    def __len__(self) -> int:
        return len(self._tasks)

    def keys(self) -> list[TaskKey]:
        with self._lock:
            return list(self._tasks)

    def observe_task(self, event_type: str | None, body: Mapping[str, Any]) -> bool:
        """Keep the task's body from a watch event (type None: kopf's listing). Returns
        whether it asks for a pass: new to us, listed again, or a new generation or
        retry token (our own status writes are neither)."""
        key = _task_key(body)
        if event_type == "DELETED" or is_settled(body):
            self.forget(key)
            return False
        with self._lock:
            before = self._tasks.get(key)
            if before is not None and is_older(body, before):
                return False  # a status write of ours already returned something newer
            self._tasks[key] = _kept(body)
            if event_type is None:
                self._all_jobs_seen.discard(key)  # Job events may have been missed
                self._seen_from_creation.discard(key)
            elif event_type == "ADDED" and before is None and not _rejoined(body):
                self._all_jobs_seen.add(key)
                self._seen_from_creation.add(key)
        if before is None or event_type is None:
            return True
        return generation_and_retry(before) != generation_and_retry(body)

    def remember_task(self, body: Mapping[str, Any]) -> None:
        """A body a pass read or wrote: kept unless the watch showed a newer one."""
        key = _task_key(body)
        if is_settled(body):
            self.forget(key)
            return
        with self._lock:
            before = self._tasks.get(key)
            if before is None or not is_older(body, before):
                self._tasks[key] = _kept(body)

    def task(self, key: TaskKey) -> dict[str, Any] | None:
        with self._lock:
            return self._tasks.get(key)

    def tasks_in(self, namespace: str) -> list[dict[str, Any]]:
        """The bodies of the unfinished tasks of `namespace` (the bridge's in-flight count)."""
        with self._lock:
            return [body for (ns, _), body in self._tasks.items() if ns == namespace]

    def seen_from_creation(self, key: TaskKey) -> bool:
        """Whether the task was created while we watched: every Job of it, and every
        result stored for them, is this process's own."""
        with self._lock:
            return key in self._seen_from_creation

    def observe_job(self, event_type: str | None, job: Mapping[str, Any]) -> None:
        """Keep a view of the Job from a watch event, when its task is one of ours."""
        name = owner_task_name(job)
        if name is None:
            return
        key = (_task_key(job)[0], name)
        job_name = _task_key(job)[1]
        with self._lock:
            if key not in self._tasks:
                return
            jobs = self._jobs.setdefault(key, {})
            if event_type == "DELETED":
                jobs.pop(job_name, None)
                return
            before = jobs.get(job_name)
            if before is None or not is_older(job, before):
                jobs[job_name] = build_job_view(job)

    def jobs(self, key: TaskKey, uid: str) -> list[dict[str, Any]] | None:
        """The views of the Jobs the task `uid` owns, or None when not all are known."""
        with self._lock:
            if key not in self._all_jobs_seen:
                return None
            return [job for job in self._jobs.get(key, {}).values() if is_owned_by(job, uid)]

    def seed_jobs(self, key: TaskKey, listed: Iterable[Mapping[str, Any]]) -> None:
        """The task's Jobs as a pass listed them: from now on, all of them are known.
        Views that events brought meanwhile and that are newer are kept."""
        with self._lock:
            if key not in self._tasks:
                return
            known = self._jobs.get(key, {})
            fresh: dict[str, dict[str, Any]] = {}
            for job in listed:
                job_name = _task_key(job)[1]
                before = known.get(job_name)
                if before is not None and is_older(job, before):
                    fresh[job_name] = before
                else:
                    fresh[job_name] = build_job_view(job)
            self._jobs[key] = fresh
            self._all_jobs_seen.add(key)

    def add_created_job(self, key: TaskKey, created: Mapping[str, Any]) -> None:
        """A Job a pass has just created, as rendered: known before its event (which
        brings its uid, creation time and status, and replaces it)."""
        if owner_task_name(created) == key[1]:
            self.observe_job("ADDED", created)

    def forget(self, key: TaskKey) -> None:
        with self._lock:
            self._tasks.pop(key, None)
            self._jobs.pop(key, None)
            self._all_jobs_seen.discard(key)
            self._seen_from_creation.discard(key)
