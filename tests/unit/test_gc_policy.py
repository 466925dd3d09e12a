"""When finished DevOpsTasks are collected (core/gc_policy.py), with a fixed `now`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from devops_orchestrator.core.gc_policy import Expired, expires_at, select_expired

NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
DAY = 86400


def task(
    name: str, phase: str | None, completed: str | None, ttl: Any = None, deleting: bool = False
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "ns", "uid": f"uid-{name}"}
    if deleting:
        meta["deletionTimestamp"] = "2026-12-01T11:00:00Z"
    spec: dict[str, Any] = {"description": "x"}
    if ttl is not None:
        spec["ttlSecondsAfterFinished"] = ttl
    status: dict[str, Any] = {}
    if phase:
        status["phase"] = phase
    if completed:
        status["completedAt"] = completed
    return {"metadata": meta, "spec": spec, "status": status}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (task("a", "Succeeded", "2026-11-28T12:00:00Z"), datetime(2026, 12, 1, 12, tzinfo=UTC)),
        (
            task("b", "Failed", "2026-12-01T11:00:00Z", ttl=60),
            datetime(2026, 12, 1, 11, 1, tzinfo=UTC),
        ),
        (
            task("c", "Cancelled", "2026-12-01T11:00:00Z", ttl=0),
            datetime(2026, 12, 1, 11, tzinfo=UTC),
        ),
        (task("d", "Running", "2026-11-01T00:00:00Z"), None),
        (task("e", None, None), None),
        (task("f", "Succeeded", None), None),
        (task("g", "Succeeded", "yesterday"), None),
        (
            task("h", "Succeeded", "2026-12-01T11:00:00Z", ttl=-5),
            datetime(2026, 12, 4, 11, tzinfo=UTC),
        ),
        (
            task("i", "Succeeded", "2026-12-01T11:00:00Z", ttl=True),
            datetime(2026, 12, 4, 11, tzinfo=UTC),
        ),
    ],
)
def test_expires_at(body: dict[str, Any], expected: datetime | None) -> None:
    assert expires_at(body, default_ttl=3 * DAY) == expected


def test_select_expired_oldest_first_skips_running_and_deleting() -> None:
    bodies = [
        task("late", "Succeeded", "2026-11-30T00:00:00Z", ttl=60),
        task("early", "PartiallySucceeded", "2026-11-20T00:00:00Z"),
        task("fresh", "Succeeded", "2026-12-01T11:59:30Z", ttl=60),
        task("running", "Running", None),
        task("gone", "Failed", "2026-11-01T00:00:00Z", deleting=True),
    ]
    assert select_expired(bodies, default_ttl=3 * DAY, now=NOW) == [
        Expired("ns", "early", "uid-early"),
        Expired("ns", "late", "uid-late"),
    ]
