"""Which DevOpsTasks leave the operator's watch, and which come back. Pure.

The operator watches DevOpsTasks with the label selector `settled!=true`, so a task it
has nothing left to do for costs it no memory and no events: kopf keeps a record for
every object it streams, and a restart would list them all. A task is marked
`settled=true` once it is settled (`core.status.is_settled`: final, its generation and
retry annotation answered), its result needs nothing more in Redis, and it finished
`after_seconds` ago (recent ones stay: a retry usually comes soon after a failure). A
marked task that is no longer settled (a new retry annotation, a changed spec) is
marked `settled=false`, which brings it back into the watch: the next sweep does it.

A settled task's Jobs leave the Job watch (`JOB_WATCH_SELECTOR`) at once, at the first
sweep after it settled: no pass needs their events (a pass follows a Job event only for
a task still watched and unsettled), the progress relay follows running Jobs only, and a
task that comes back (a retry) has its Jobs listed by its next pass. kopf would
otherwise keep a record of each and list them all, bodies and briefings, at a start.
They keep the label: a retried task's new Jobs are watched, its finished ones need not be."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from devops_orchestrator.constants import (
    API_VERSION,
    KIND,
    LABEL_MANAGED_BY,
    LABEL_SETTLED,
    MANAGED_BY,
)
from devops_orchestrator.core.answering import has_redis_work
from devops_orchestrator.core.gc_policy import finished_at
from devops_orchestrator.core.status import is_settled

WATCH_SELECTOR = f"{LABEL_SETTLED}!=true"  # what the operator's task watch streams
JOB_WATCH_SELECTOR = f"{LABEL_MANAGED_BY}={MANAGED_BY},{WATCH_SELECTOR}"  # and its Job watch

JobRef = tuple[str, str]  # (namespace, name)


@dataclass(frozen=True)
class WatchChange:
    namespace: str
    name: str
    settled: bool  # the label's new value: True leaves the watch, False comes back


def select_watch_changes(
    bodies: Iterable[Mapping[str, Any]],
    *,
    now: datetime,
    after_seconds: float,
    intake_namespace: str,
) -> list[WatchChange]:
    """The label writes that bring the tasks' `settled` label in line with them."""
    changes: list[WatchChange] = []
    for body in bodies:
        meta = body.get("metadata") or {}
        if meta.get("deletionTimestamp"):
            continue
        marked = (meta.get("labels") or {}).get(LABEL_SETTLED) == "true"
        settled = is_settled(body)
        if marked and not settled:
            changes.append(WatchChange(str(meta.get("namespace")), str(meta.get("name")), False))
        elif not marked and settled and _quiet(body, now, after_seconds, intake_namespace):
            changes.append(WatchChange(str(meta.get("namespace")), str(meta.get("name")), True))
    return changes


def _quiet(
    body: Mapping[str, Any], now: datetime, after_seconds: float, intake_namespace: str
) -> bool:
    if has_redis_work(body, intake_namespace=intake_namespace):
        return False  # its result is not out yet: the bridge still needs its events
    done = finished_at(body.get("status") or {})
    return done is not None and done + timedelta(seconds=after_seconds) <= now


def index_jobs_by_task(jobs: Iterable[Mapping[str, Any]]) -> dict[str, list[JobRef]]:
    """The Jobs (metadata is enough) by the uid of the DevOpsTask that owns them."""
    by_task: dict[str, list[JobRef]] = {}
    for job in jobs:
        meta = job.get("metadata") or {}
        if (meta.get("labels") or {}).get(LABEL_SETTLED) == "true":
            continue  # out of the watch already
        ref = (str(meta.get("namespace") or ""), str(meta.get("name") or ""))
        for owner in meta.get("ownerReferences") or []:
            if owner.get("kind") == KIND and owner.get("apiVersion") == API_VERSION:
                by_task.setdefault(str(owner.get("uid")), []).append(ref)
    return by_task


def select_settled_jobs(
    tasks: Iterable[Mapping[str, Any]], watched_jobs: Mapping[str, Sequence[JobRef]]
) -> list[JobRef]:
    """The Jobs in `watched_jobs` (`index_jobs_by_task`) whose task is settled: they
    leave the Job watch (label settled=true)."""
    leaving: list[JobRef] = []
    for task in tasks:
        uid = str((task.get("metadata") or {}).get("uid") or "")
        if uid in watched_jobs and is_settled(task):
            leaving.extend(watched_jobs[uid])
    return leaving
