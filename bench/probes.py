"""Counters read from the system: kube-apiserver's own request metrics, Redis command
statistics, and a process's CPU time and memory from /proc."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import redis
from kubernetes import client as k8s

_TICKS = os.sysconf("SC_CLK_TCK")


def parse_request_totals(text: str) -> Counter[str]:
    """`apiserver_request_total` summed per resource (pure: Prometheus text in)."""
    totals: Counter[str] = Counter()
    for line in text.splitlines():
        if not line.startswith("apiserver_request_total{"):
            continue
        labels, _, value = line.rpartition(" ")
        resource = ""
        for part in labels[labels.index("{") + 1 : labels.rindex("}")].split(","):
            key, _, raw = part.partition("=")
            if key == "resource":
                resource = raw.strip('"')
        totals[resource or "(none)"] += int(float(value))
    return totals


def apiserver_requests(api: k8s.ApiClient) -> Counter[str]:
    """One GET /metrics (itself counted once by the API server)."""
    method, url, headers, _, _ = api.param_serialize(
        "GET", "/metrics", header_params={"Accept": "text/plain"}, auth_settings=["BearerToken"]
    )
    response: Any = api.call_api(method, url, header_params=headers)
    response.read()
    return parse_request_totals(response.data.decode())


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
