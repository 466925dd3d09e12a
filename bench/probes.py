"""Counters read from the system: kube-apiserver's own request metrics, Redis command
statistics, and a process's CPU time and memory from /proc."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from kubernetes import client as k8s

_TICKS = os.sysconf("SC_CLK_TCK")


def apiserver_metrics(api: k8s.ApiClient) -> str:
    """One GET /metrics (itself counted once by the API server), as Prometheus text."""
    method, url, headers, _, _ = api.param_serialize(
        "GET", "/metrics", header_params={"Accept": "text/plain"}, auth_settings=["BearerToken"]
    )
    response: Any = api.call_api(method, url, header_params=headers)
    response.read()
    return str(response.data.decode())


def parse_machine_cpu(text: str) -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs from /proc/stat (pure); iowait counts as idle."""
    for line in text.splitlines():
        if line.startswith("cpu "):
            values = [int(v) for v in line.split()[1:]]
            idle = values[3] + (values[4] if len(values) > 4 else 0)
            total = sum(values[:8])
            return total - idle, total
    raise ValueError("no cpu line in /proc/stat")


def machine_cpu() -> tuple[int, int]:
    return parse_machine_cpu(Path("/proc/stat").read_text())


def redis_commands(client: redis.Redis) -> int:
    """Every command Redis has run since start (one INFO, itself counted)."""
    stats: dict[str, Any] = client.info("commandstats")
    return sum(int(v["calls"]) for k, v in stats.items() if k.startswith("cmdstat_"))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) in KiB."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def run_header(settings: dict[str, Any]) -> dict[str, Any]:
    """When, with what settings and on what machine (its load at the start) a run began."""
    return {
        "started_at": datetime.now(UTC).isoformat(),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in settings.items()},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg_at_start": os.getloadavg(),
        },
    }
