"""A running worker pod's log, followed as a stream (`pods/log?follow=true`).

Followers hold their connection for as long as the worker runs, so they use an
ApiClient of their own: the pool the reconciler's short calls share stays free.
Errors follow `adapters.errors`."""

from __future__ import annotations

import contextlib
import copy
import socket
import threading
from collections.abc import Iterator
from typing import Any, Protocol, cast

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from devops_orchestrator.adapters.errors import RetryableError
from devops_orchestrator.adapters.jobs import list_job_pods
from devops_orchestrator.adapters.kube import api_client, map_api_exception, pooled
from devops_orchestrator.config import KUBE_OUTAGE_DELAY_SECONDS, get_settings

CHUNK_BYTES = 64 * 1024
CONNECT_TIMEOUT_SECONDS = 10.0
# A worker may be silent for minutes (a long model turn); an hour without a byte is a
# connection that died without a word.
READ_TIMEOUT_SECONDS = 3600.0


class LogStream(Protocol):
    def stream(self, amt: int) -> Iterator[bytes]: ...

    def close(self) -> None: ...

    def release_conn(self) -> None: ...

    @property
    def connection(self) -> Any: ...


_lock = threading.Lock()
_followers_api: client.ApiClient | None = None
_base_api: client.ApiClient | None = None


def _api() -> client.CoreV1Api:
    global _followers_api, _base_api
    base = api_client()
    with _lock:
        if _followers_api is None or _base_api is not base:
            if _followers_api is not None:
                _followers_api.close()  # type: ignore[no-untyped-call]
            # One connection per follower, each given back at its stream's end: a pool
            # smaller than the followers at once threw connections away.
            followers = get_settings().progress_max_followers
            configuration = pooled(copy.deepcopy(base.configuration), followers)
            _followers_api, _base_api = client.ApiClient(configuration), base
        return client.CoreV1Api(_followers_api)


def find_running_pod(namespace: str, job_name: str) -> str | None:
    """The name of the Job's newest running pod, if any."""
    newest = find_newest_pod(namespace, job_name)
    return newest[0] if newest is not None and newest[1] == "Running" else None


def find_newest_pod(namespace: str, job_name: str) -> tuple[str, str] | None:
    """The name and phase of the Job's newest pod, if any."""
    pods = list_job_pods(namespace, job_name)
    if not pods:
        return None
    newest = max(pods, key=lambda p: str(p.get("metadata", {}).get("creationTimestamp", "")))
    return str(newest["metadata"]["name"]), str((newest.get("status") or {}).get("phase"))


def open_log_stream(namespace: str, pod: str, *, tail_lines: int | None = None) -> LogStream:
    """The pod's log from its start (or its last `tail_lines`), then as it grows, until
    the container ends or the stream is closed."""
    what = f"follow log of pod {namespace}/{pod}"
    kwargs: dict[str, Any] = {
        "follow": True,
        "_preload_content": False,
        "_request_timeout": (CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS),
    }
    if tail_lines is not None:
        kwargs["tail_lines"] = tail_lines
    try:
        response = cast(LogStream, _api().read_namespaced_pod_log(pod, namespace, **kwargs))
    except ApiException as exc:
        raise map_api_exception(exc, what) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise RetryableError(f"{what}: {exc}", delay=KUBE_OUTAGE_DELAY_SECONDS) from exc
    return response


def read_chunks(stream: LogStream) -> Iterator[bytes]:
    """The stream's bytes as they come. A dropped connection raises RetryableError."""
    try:
        yield from stream.stream(CHUNK_BYTES)
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
        raise RetryableError(f"log stream dropped: {exc}") from exc
    finally:
        stream.release_conn()


def close_stream(stream: LogStream) -> None:
    """End a stream another thread may be blocked reading: a shutdown of the socket
    wakes that read (a close alone does not)."""
    sock = getattr(stream.connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    stream.close()
