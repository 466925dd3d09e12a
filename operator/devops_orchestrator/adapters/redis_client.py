"""Connections to the agent network's Redis, and the mapping of Redis failures into the
one error taxonomy (`adapters.errors`): no answer is `RedisUnavailableError` (retryable: the
bridge backs off and reports itself unready), anything else Redis refuses is permanent.
Every adapter function that talks to Redis is wrapped by `maps_redis_errors`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from devops_orchestrator.adapters.errors import PermanentError, RedisUnavailableError
from devops_orchestrator.config import (
    REDIS_CLIENT_RETRIES,
    REDIS_CONNECT_TIMEOUT_SECONDS,
    REDIS_PROBE_TIMEOUT_SECONDS,
    REDIS_SOCKET_MARGIN_SECONDS,
    REDIS_WRITE_TIMEOUT_SECONDS,
)

Client = redis.Redis

_P = ParamSpec("_P")
_R = TypeVar("_R")


def maps_redis_errors(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """`fn` with Redis failures raised as the taxonomy's errors."""

    @functools.wraps(fn)
    def mapped(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return fn(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            raise RedisUnavailableError(f"{fn.__name__}: {type(exc).__name__}: {exc}") from exc
        except redis.RedisError as exc:
            raise PermanentError(f"{fn.__name__}: {type(exc).__name__}: {exc}") from exc

    return mapped


def _backoff() -> ExponentialWithJitterBackoff:
    return ExponentialWithJitterBackoff(base=0.1, cap=1.0)


def connect(url: str, *, block_seconds: float | None = None) -> Client:
    """A client in bytes mode (queue items are compared byte for byte). With
    `block_seconds`, its socket timeout outlives the longest blocking call made with it.

    redis-py's own retries are kept short (two quick ones for a blip): an outage is
    the callers' business, who back off, report unreadiness and stay stoppable."""
    timeout = REDIS_WRITE_TIMEOUT_SECONDS
    if block_seconds is not None:
        timeout = block_seconds + REDIS_SOCKET_MARGIN_SECONDS
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECONDS,
        health_check_interval=30,
        decode_responses=False,
        retry=Retry(_backoff(), REDIS_CLIENT_RETRIES),
    )


def connect_probe(url: str) -> Client:
    """A client for readiness pings: short timeouts, no retries (one honest answer)."""
    return redis.Redis.from_url(
        url,
        socket_timeout=REDIS_PROBE_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_PROBE_TIMEOUT_SECONDS,
        retry=Retry(_backoff(), 0),
    )


@maps_redis_errors
def ping(client: Client) -> None:
    """Raises RedisUnavailableError when Redis does not answer."""
    client.ping()


def text(value: bytes | str) -> str:
    """A reply of a bytes-mode client as text."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
