"""The retry policies, table by table."""

from __future__ import annotations

import itertools

import pytest

from devops_orchestrator.config import (
    BRIDGE_BACKOFF_MAX_SECONDS,
    BRIDGE_BACKOFF_START_SECONDS,
    KUBE_CONFLICT_DELAY_SECONDS,
    KUBE_OUTAGE_DELAY_SECONDS,
    RECONCILE_CONFLICT_REPEATS,
)
from devops_orchestrator.core.policies import (
    api_retry_delay,
    may_retry_worker,
    next_backoff,
    rerun_at_once,
    safety_net_delay,
    worker_attempts,
)


@pytest.mark.parametrize(("max_retries", "attempts"), [(0, 1), (1, 2), (3, 4), (-1, 1)], ids=str)
def test_worker_attempts_per_round(max_retries: int, attempts: int) -> None:
    assert worker_attempts(max_retries) == attempts


@pytest.mark.parametrize(
    ("attempts", "max_attempts", "reason", "retry"),
    [
        (1, 2, "BackoffLimitExceeded", True),
        (1, 2, None, True),
        (1, 2, "Deleted", True),  # a person deleted the Job: try again
        (2, 2, "BackoffLimitExceeded", False),  # budget spent
        (1, 1, "BackoffLimitExceeded", False),  # maxRetries 0
        (1, 5, "DeadlineExceeded", False),  # the task's deadline: another attempt cannot help
        (1, 5, "PodsCannotBeCreated", False),  # no ServiceAccount, quota, admission: same again
    ],
)
def test_may_retry_worker(
    attempts: int, max_attempts: int, reason: str | None, retry: bool
) -> None:
    assert may_retry_worker(attempts, max_attempts, reason) is retry


@pytest.mark.parametrize(
    ("status", "delay"),
    [
        (0, KUBE_OUTAGE_DELAY_SECONDS),  # no answer at all
        (409, KUBE_CONFLICT_DELAY_SECONDS),
        (425, KUBE_OUTAGE_DELAY_SECONDS),
        (429, KUBE_OUTAGE_DELAY_SECONDS),
        (500, KUBE_OUTAGE_DELAY_SECONDS),
        (503, KUBE_OUTAGE_DELAY_SECONDS),
        (504, KUBE_OUTAGE_DELAY_SECONDS),
        (400, None),
        (401, None),
        (403, None),
        (404, None),
        (422, None),
        (501, None),
    ],
)
def test_api_retry_delay(status: int, delay: float | None) -> None:
    assert api_retry_delay(status) == delay


@pytest.mark.parametrize(
    ("status", "repeat", "again"),
    [
        (409, 0, True),
        (409, RECONCILE_CONFLICT_REPEATS - 2, True),
        (409, RECONCILE_CONFLICT_REPEATS - 1, False),  # the last repeat hands over
        (500, 0, False),
        (0, 0, False),
    ],
)
def test_rerun_at_once(status: int, repeat: int, again: bool) -> None:
    assert rerun_at_once(status, repeat) is again


def test_backoff_doubles_from_its_start_up_to_its_cap() -> None:
    waits, wait = [], 0.0
    for _ in range(8):
        wait = next_backoff(wait)
        waits.append(wait)
    assert waits[0] == BRIDGE_BACKOFF_START_SECONDS
    assert all(b == min(BRIDGE_BACKOFF_MAX_SECONDS, a * 2) for a, b in itertools.pairwise(waits))
    assert waits[-1] == BRIDGE_BACKOFF_MAX_SECONDS
    assert next_backoff(0.0) == BRIDGE_BACKOFF_START_SECONDS  # a success resets it


@pytest.mark.parametrize(
    ("tasks", "delay"),
    [(0, 60.0), (1, 60.0), (120, 60.0), (121, 60.5), (1000, 500.0), (10000, 5000.0)],
)
def test_the_safety_net_stays_within_its_budget_of_passes(tasks: int, delay: float) -> None:
    """At most SAFETY_NET_PASSES_PER_SECOND (2) for all tasks together; never sooner
    than the interval as set."""
    assert safety_net_delay(60.0, tasks) == delay
