"""The one error taxonomy of every adapter: an I/O failure is either worth trying again
after a delay (`RetryableError`) or not (`PermanentError`). Each adapter maps its
client's exceptions (Kubernetes API, Redis) into it, so callers handle one kind."""

from __future__ import annotations


class AdapterError(Exception):
    """A failed call to something outside the process. `status` is the HTTP status
    when there was one (0 otherwise)."""

    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class RetryableError(AdapterError):
    """Worth trying again after `delay` seconds (conflicts, throttling, outages)."""

    def __init__(self, message: str, *, status: int = 0, delay: float = 2.0) -> None:
        super().__init__(message, status=status)
        self.delay = delay


class PermanentError(AdapterError):
    """Retrying the same request cannot help (it is wrong or forbidden)."""


class RedisUnavailableError(RetryableError):
    """Redis did not answer (connection refused, reset or timed out)."""
