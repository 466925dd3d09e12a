"""`devcluster up` / `down` on a second cluster of its own: free ports, idempotent up,
and down leaves no process behind (components, pods and the pods' children)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from clusterwait import wait_for

from devcluster import launcher, processes
from devcluster.processes import is_alive
from fixtures_cluster import Cluster

pytestmark = pytest.mark.cluster

HACK = Path(__file__).resolve().parents[2] / "hack"


def devcluster_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(HACK)}
    return subprocess.run(
        [sys.executable, "-m", "devcluster", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture
def state_dir() -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="devcluster-cli-"))
    yield directory
    launcher.down(directory)
    shutil.rmtree(directory, ignore_errors=True)


def test_up_is_idempotent_and_down_leaves_no_process(cluster: Cluster, state_dir: Path) -> None:
    started = time.monotonic()
    first = devcluster_cli("up", "--state-dir", str(state_dir))
    assert first.returncode == 0, first.stderr
    print(f"second cluster up in {time.monotonic() - started:.1f}s: {first.stdout.strip()}")
    assert "started in" in first.stdout
    again = devcluster_cli("up", "--state-dir", str(state_dir))
    assert "already running" in again.stdout

    info = launcher.info(state_dir)
    assert info is not None and info.server != cluster.server  # its own free ports
    other = Cluster(state_dir, info.kubeconfig, info.bin_dir, info.server, 0.0)
    # A pod whose process forks a child in the background: both must die on down.
    other.kubectl(
        "run",
        "forker",
        "--image=busybox",
        "--restart=Never",
        "--",
        "sh",
        "-c",
        "sleep 3600 & sleep 3600",
    )
    pod_dir = state_dir / "pods" / "default" / "forker"
    pod_pid = int(wait_for("forker started", lambda: _read(pod_dir / "run" / "forker.pid"), 60))
    component_pids = [pid for pid in launcher.status(state_dir).values() if pid]
    assert len(component_pids) == 5
    wait_for("forker child", lambda: _children(pod_pid), 10)
    redis_up = devcluster_cli("redis-up", "--state-dir", str(state_dir))
    assert redis_up.returncode == 0, redis_up.stderr
    redis_pid = processes.read_pid(state_dir / "pids" / "redis.pid")
    assert redis_pid is not None
    every_pid = [*component_pids, redis_pid, pod_pid, *_descendants(pod_pid)]
    assert all(is_alive(p) for p in every_pid)

    down = devcluster_cli("down", "--state-dir", str(state_dir))
    assert down.returncode == 0, down.stderr
    assert [p for p in every_pid if is_alive(p)] == []
    status = devcluster_cli("status", "--state-dir", str(state_dir))
    assert status.returncode == 3
    assert status.stdout.count("stopped") == 5


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        return None


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(p) for p in text.split()]


def _descendants(pid: int) -> list[int]:
    out = []
    for child in _children(pid):
        out += [child, *_descendants(child)]
    return out
