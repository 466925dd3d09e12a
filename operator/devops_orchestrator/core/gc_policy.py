"""When a finished DevOpsTask is deleted (with the ConfigMaps its workers stored). Pure.

A task is kept `ttlSecondsAfterFinished` (its spec) or the operator's default after it
reached a final phase, counted from `status.completedAt`; then it goes. A task that is
not final, or whose completion time cannot be read, is never collected: deleting too
little is harmless, deleting a running task is not."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from devops_orchestrator.core.status import is_final, parse_time


@dataclass(frozen=True)
class Expired:
    namespace: str
    name: str
    uid: str


def finished_at(status: Mapping[str, Any]) -> datetime | None:
    """When the task reached its final phase (None when not final or not readable)."""
    if not is_final(status):
        return None
    return parse_time(status.get("completedAt"))


def ttl_seconds(spec: Mapping[str, Any], default_ttl: int) -> int:
    """The task's own `ttlSecondsAfterFinished` when it is a non-negative integer."""
    own = spec.get("ttlSecondsAfterFinished")
    if isinstance(own, int) and not isinstance(own, bool) and own >= 0:
        return own
    return default_ttl


def expires_at(body: Mapping[str, Any], default_ttl: int) -> datetime | None:
    """When the task may be deleted; None while it must stay."""
    done = finished_at(body.get("status") or {})
    if done is None:
        return None
    return done + timedelta(seconds=ttl_seconds(body.get("spec") or {}, default_ttl))


def select_expired(
    bodies: Iterable[Mapping[str, Any]], *, default_ttl: int, now: datetime
) -> list[Expired]:
    """The tasks past their time, oldest expiry first (what a bounded sweep deletes first)."""
    due: list[tuple[datetime, Expired]] = []
    for body in bodies:
        meta = body.get("metadata") or {}
        if meta.get("deletionTimestamp"):
            continue
        when = expires_at(body, default_ttl)
        if when is not None and when <= now:
            entry = Expired(
                str(meta.get("namespace", "")), str(meta.get("name", "")), str(meta.get("uid", ""))
            )
            due.append((when, entry))
    return [entry for _, entry in sorted(due, key=lambda pair: pair[0])]
