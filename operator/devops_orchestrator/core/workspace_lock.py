"""One writer per workspace: who may write on a shared volume now, who waits. Pure.

Every task whose workspace is a claim's subPath takes the claim's writer table (one
ConfigMap per claim, replaced with optimistic concurrency, so two passes never both
win). A task may write when no other task holds an overlapping path (the same folder, an
ancestor or a descendant: a task on `/workspace` would otherwise take the files of a task
on `/workspace/app` for its own) and no task queued before it wants one. A waiting task
keeps its place in the queue; past the configured wait it gives up with a clear reason.
Entries of tasks that are gone or finished are dropped as soon as someone notices."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from devops_orchestrator.core.status import parse_time

TABLE_KEY = "writers.json"
MAX_NAME = 253
_INVALID = re.compile(r"[^a-z0-9.-]+")


@dataclass(frozen=True)
class Writer:
    task: str  # DevOpsTask name (same namespace as the claim)
    uid: str  # its uid: a new task of the same name is another writer
    path: str  # subPath on the claim, "" for its root
    since: str  # ISO time it took the lock or joined the queue


@dataclass(frozen=True)
class WriterTable:
    holders: tuple[Writer, ...] = ()
    waiting: tuple[Writer, ...] = ()  # first come, first served


@dataclass(frozen=True)
class LockDecision:
    table: WriterTable  # what to store (may equal the table read)
    granted: bool
    blocker: Writer | None = None  # who it waits for
    waited_seconds: float = 0.0
    timed_out: bool = False


def build_table_name(claim: str) -> str:
    """The ConfigMap holding the writer table of `claim` (a DNS subdomain)."""
    name = f"{_INVALID.sub('-', claim.lower()).strip('-.')}-writers"
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(claim.encode()).hexdigest()[:12]
    return f"{name[: MAX_NAME - len(digest) - 9].rstrip('-.')}-{digest}-writers"


def overlaps(a: str, b: str) -> bool:
    """Whether two subPaths share files: equal, or one contains the other."""
    pa, pb = PurePosixPath("/", a), PurePosixPath("/", b)
    return pa == pb or pa in pb.parents or pb in pa.parents


def _writer(raw: Any) -> Writer | None:
    if not isinstance(raw, Mapping):
        return None
    values = [raw.get(key) for key in ("task", "uid", "path", "since")]
    strings = [value for value in values if isinstance(value, str)]
    return Writer(*strings) if len(strings) == len(values) else None


def parse_table(data: Mapping[str, str] | None) -> WriterTable:
    """The table stored in a ConfigMap's data; unreadable entries are dropped (a table
    edited by hand must not wedge every task on the claim)."""
    try:
        raw = json.loads((data or {}).get(TABLE_KEY) or "{}")
    except ValueError:
        raw = {}
    if not isinstance(raw, Mapping):
        raw = {}

    def entries(key: str) -> tuple[Writer, ...]:
        items = raw.get(key)
        found = [_writer(item) for item in items] if isinstance(items, list) else []
        return tuple(w for w in found if w is not None)

    return WriterTable(entries("holders"), entries("waiting"))


def render_table(table: WriterTable) -> dict[str, str]:
    body = {
        "holders": [w.__dict__ for w in table.holders],
        "waiting": [w.__dict__ for w in table.waiting],
    }
    return {TABLE_KEY: json.dumps(body, indent=1, sort_keys=True)}


def others(table: WriterTable, uid: str) -> list[Writer]:
    """The entries of other tasks (those whose liveness the caller must check)."""
    return [w for w in (*table.holders, *table.waiting) if w.uid != uid]


def drop(table: WriterTable, uids: Collection[str]) -> WriterTable:
    """The table without the entries of `uids` (gone or finished tasks)."""
    return WriterTable(
        tuple(w for w in table.holders if w.uid not in uids),
        tuple(w for w in table.waiting if w.uid not in uids),
    )


def _seconds_since(since: str, now: datetime) -> float:
    start = parse_time(since)  # the one reader of our timestamps
    return 0.0 if start is None else max(0.0, (now - start).total_seconds())


def decide_lock(
    table: WriterTable,
    me: Writer,
    *,
    gone: Collection[str],
    now: datetime,
    max_wait_seconds: float,
) -> LockDecision:
    """Take the lock for `me` if it is free for its path and its turn; else queue (or
    stay queued), or give up once it has waited `max_wait_seconds`. `gone` are the uids
    of tasks that no longer hold anything (deleted, or in a final phase)."""
    table = drop(table, set(gone) - {me.uid})
    if any(w.uid == me.uid for w in table.holders):
        return LockDecision(table, granted=True)
    queued = next((w for w in table.waiting if w.uid == me.uid), None)
    ahead = table.waiting[: table.waiting.index(queued)] if queued else table.waiting
    blockers = [
        w for w in (*table.holders, *ahead) if w.uid != me.uid and overlaps(w.path, me.path)
    ]
    if not blockers:
        holder = replace(me, since=now.isoformat())
        rest = tuple(w for w in table.waiting if w.uid != me.uid)
        return LockDecision(WriterTable((*table.holders, holder), rest), granted=True)
    if queued is None:
        queued = replace(me, since=now.isoformat())
        table = WriterTable(table.holders, (*table.waiting, queued))
    waited = _seconds_since(queued.since, now)
    if waited >= max_wait_seconds:
        rest = tuple(w for w in table.waiting if w.uid != me.uid)
        return LockDecision(
            WriterTable(table.holders, rest),
            granted=False,
            blocker=blockers[0],
            waited_seconds=waited,
            timed_out=True,
        )
    return LockDecision(table, granted=False, blocker=blockers[0], waited_seconds=waited)


def release_lock(table: WriterTable, uid: str) -> WriterTable:
    """The table once the task of `uid` is done (holding or waiting)."""
    return drop(table, {uid})


def describe_wait(decision: LockDecision, network_path: str, max_wait_seconds: float) -> str:
    """What a waiting (or timed-out) task's status and logs say. No running counter: the
    message stays the same while the task waits, so waiting writes nothing new."""
    holder = decision.blocker.task if decision.blocker else "another task"
    if decision.timed_out:
        return (
            f"gave up waiting for the workspace {network_path}: {holder} was still writing "
            f"there after {max_wait_seconds:.0f}s"
        )
    return (
        f"waiting for the workspace {network_path}: {holder} is writing there "
        f"(waits at most {max_wait_seconds:.0f}s)"
    )
