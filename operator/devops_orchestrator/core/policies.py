"""Retry policies: what is tried again after a failure, and after how long. Pure.

"Retry" means four things here, each with its own rule below:
- a worker attempt (its Job failed): `maxRetries + 1` attempts per round, except for
  failures another attempt cannot fix (the task's own deadline);
- a Kubernetes API call: by HTTP status, retryable after a delay or permanent;
- a reconcile pass: a conflict on the status write re-runs the pass at once a few
  times; other retryable failures come back after the adapter's delay, unexpected ones
  after a fixed delay;
- the Redis bridge's loops: capped exponential backoff while a step keeps failing.
The fixed figures live in `config.py` (transport section). The Messages API's own
retries (429, 529, 5xx) are the anthropic SDK's, bounded by `claude_max_retries`; the
spec bounds of `maxRetries` are the CRD's."""

from __future__ import annotations

from devops_orchestrator.config import (
    BRIDGE_BACKOFF_MAX_SECONDS,
    BRIDGE_BACKOFF_START_SECONDS,
    KUBE_CONFLICT_DELAY_SECONDS,
    KUBE_OUTAGE_DELAY_SECONDS,
    RECONCILE_CONFLICT_REPEATS,
)

# --- Worker attempts ------------------------------------------------------------------

# The Job's deadline is the task's; pods that cannot be created fail the same way again.
NO_RETRY_REASONS = frozenset({"DeadlineExceeded", "PodsCannotBeCreated"})


def worker_attempts(max_retries: int) -> int:
    """Attempts a worker gets per round: `maxRetries` counts the retries."""
    return max(0, max_retries) + 1


def may_retry_worker(attempts: int, max_attempts: int, failure_reason: str | None) -> bool:
    """Whether a worker whose attempt number `attempts` (of this round) failed for
    `failure_reason` gets another attempt."""
    return attempts < max_attempts and failure_reason not in NO_RETRY_REASONS


# --- Kubernetes API calls -------------------------------------------------------------

RETRYABLE_HTTP_STATUS = frozenset({409, 425, 429, 500, 502, 503, 504})


def api_retry_delay(status: int) -> float | None:
    """Seconds before trying an API call again that failed with HTTP `status` (0: no
    answer at all); None when retrying the same request cannot help."""
    if status == 409:
        return KUBE_CONFLICT_DELAY_SECONDS  # someone else wrote: re-observe soon
    if status == 0 or status in RETRYABLE_HTTP_STATUS:
        return KUBE_OUTAGE_DELAY_SECONDS
    return None


# --- Reconcile passes -----------------------------------------------------------------

UNEXPECTED_ERROR_DELAY_SECONDS = 10.0

# The safety net's passes (each reads its task and lists its Jobs, and a pod or Event
# list per Job still waiting) across all tasks, at most this many per second. A watch
# event is rarely missed (kopf resumes its watch from the last version it saw and lists
# again when that is too old), so the net must not load a slow cluster further: at
# 1,000 tasks in flight waiting minutes for their pods, one net per task per minute made
# 2.5 task reads and Job lists per task, more the slower the cluster got.
SAFETY_NET_PASSES_PER_SECOND = 2.0


def safety_net_delay(recheck_seconds: float, tasks_covered: int) -> float:
    """Seconds until a task's next safety-net pass: `recheck_seconds`, stretched so that
    the nets of the `tasks_covered` unfinished tasks together stay within
    SAFETY_NET_PASSES_PER_SECOND (120 tasks or fewer: `recheck_seconds` as set)."""
    return max(recheck_seconds, tasks_covered / SAFETY_NET_PASSES_PER_SECOND)


def rerun_at_once(status: int, repeat: int) -> bool:
    """Whether the pass numbered `repeat` (from 0) that failed with HTTP `status` runs
    again at once: a conflict means the task changed under us; decide again on it."""
    return status == 409 and repeat < RECONCILE_CONFLICT_REPEATS - 1


# --- Bridge loops ---------------------------------------------------------------------


def next_backoff(previous: float) -> float:
    """The wait after one more failure in a row (`previous` = 0 after a success)."""
    if previous <= 0:
        return BRIDGE_BACKOFF_START_SECONDS
    return min(BRIDGE_BACKOFF_MAX_SECONDS, previous * 2)
