"""Polling the components' health endpoints until they answer."""

from __future__ import annotations

import http.client
import json
import ssl
import time
from collections.abc import Callable
from pathlib import Path


class NotReadyError(RuntimeError):
    """A component did not become ready (or died) in time."""


def client_context(
    ca: Path | None, cert: Path | None = None, key: Path | None = None
) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(ca) if ca else None)
    if ca is None:  # components' self-signed serving certs: health checks only
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if cert and key:
        ctx.load_cert_chain(str(cert), str(key))
    return ctx


def get(port: int, path: str, ctx: ssl.SSLContext | None, timeout: float = 2.0) -> tuple[int, str]:
    conn: http.client.HTTPConnection
    if ctx is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    else:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=ctx)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read().decode(errors="replace")
    finally:
        conn.close()


def answers_ok(port: int, path: str, ctx: ssl.SSLContext | None) -> bool:
    try:
        status, _ = get(port, path, ctx)
    except (OSError, http.client.HTTPException):
        return False
    return status == 200


def etcd_healthy(port: int) -> bool:
    try:
        status, body = get(port, "/health", None)
        return status == 200 and json.loads(body).get("health") == "true"
    except (OSError, http.client.HTTPException, ValueError):
        return False


def wait_until(
    what: str, check: Callable[[], bool], timeout: float, still_running: Callable[[], str | None]
) -> None:
    """Poll check(); fail early when still_running() names a component that died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        dead = still_running()
        if dead:
            raise NotReadyError(f"{dead} exited while waiting for {what}")
        time.sleep(0.1)
    raise NotReadyError(f"timed out after {timeout:.0f}s waiting for {what}")
