"""A redis-server beside the local cluster (`python -m devcluster redis-up|redis-down`).

It runs on a free loopback port recorded in the state dir and carries the cluster's
marker variable, so `devcluster down` stops it too."""

from __future__ import annotations

import os
import shutil
import time

import redis

from devcluster import processes
from devcluster.state import MARKER_ENV, ClusterPaths


class RedisStartError(RuntimeError):
    """redis-server is missing or did not answer."""


def _redis_answers(port: int) -> bool:
    try:
        return bool(redis.Redis(port=port, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def ensure_redis(paths: ClusterPaths) -> int:
    """A redis-server for the cluster's state dir (reused when running), on a free port.
    It carries the cluster's marker variable, so `devcluster down` stops it too."""
    port_file = paths.root / "redis.port"
    pid = processes.read_pid(paths.pid("redis"))
    if pid is not None and port_file.exists():
        port = int(port_file.read_text())
        if _redis_answers(port):
            return port
        processes.stop_group(pid)
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisStartError("redis-server is not installed (apt-get install redis-server)")
    port = processes.free_port()
    data = paths.root / "redis"
    data.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, MARKER_ENV: str(paths.root)}
    processes.spawn(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(data),
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "no",
        ],
        paths.log("redis"),
        paths.pid("redis"),
        env,
    )
    port_file.write_text(str(port))
    deadline = time.monotonic() + 15
    while not _redis_answers(port):
        if time.monotonic() > deadline:
            raise RedisStartError(
                f"redis-server did not answer on port {port}; see {paths.log('redis')}"
            )
        time.sleep(0.1)
    return port


def stop_redis(paths: ClusterPaths) -> bool:
    """Stop the state dir's redis-server; False when none was running."""
    pid = processes.read_pid(paths.pid("redis"))
    (paths.root / "redis.port").unlink(missing_ok=True)
    if pid is None:
        return False
    processes.stop_group(pid)
    return True
