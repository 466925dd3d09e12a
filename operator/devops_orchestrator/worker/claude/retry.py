"""When to retry a failed request, and after how long: overload (529), rate limits (429),
server errors and timeouts are retried inside the engine with the conversation kept; the
wait follows `retry-after` (or an exponential backoff) and never runs past the time
left."""

from __future__ import annotations

import email.utils
from collections.abc import Mapping

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
# Error types of an error event inside a stream (the HTTP status there is 200).
RETRYABLE_TYPES = frozenset({"overloaded_error", "rate_limit_error", "api_error", "timeout_error"})
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 60.0


def is_retryable(status: int | None, error_type: str | None) -> bool:
    """`status` None: no answer at all (connection failure or timeout)."""
    if status is None:
        return True
    return status in RETRYABLE_STATUS or (status == 200 and error_type in RETRYABLE_TYPES)


def parse_retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds to wait from `retry-after-ms`, `retry-after` (seconds or an HTTP date)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        if "retry-after-ms" in lowered:
            return max(float(lowered["retry-after-ms"]) / 1000, 0.0)
    except ValueError:
        pass
    value = lowered.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - now, 0.0)


def retry_delay(retry: int, retry_after: float | None, remaining: float) -> float | None:
    """The wait before retry number `retry` (1-based), or None when no time is left for
    another try. `retry-after` wins over the backoff; either is capped by `remaining`."""
    wanted = (
        retry_after
        if retry_after is not None
        else min(BACKOFF_BASE_SECONDS * 2 ** (retry - 1), BACKOFF_MAX_SECONDS)
    )
    if remaining <= 0 or wanted >= remaining:
        return None
    return wanted
