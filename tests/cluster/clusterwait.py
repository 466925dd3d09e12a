"""Polling helpers for the cluster tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from kubernetes import client as k8s

T = TypeVar("T")
_SERIALIZER = k8s.ApiClient()  # only for sanitize_for_serialization: never sends a request


def wait_for(
    what: str, probe: Callable[[], T | None], timeout: float = 60.0, interval: float = 0.2
) -> T:
    """Call probe until it returns something truthy; fail with `what` after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def job_condition(batch: k8s.BatchV1Api, namespace: str, name: str) -> str | None:
    """'Complete' or 'Failed' once the Job finished, else None."""
    job = as_dict(batch.read_namespaced_job(name, namespace))
    for cond in job.get("status", {}).get("conditions") or []:
        if cond["type"] in ("Complete", "Failed") and cond["status"] == "True":
            return str(cond["type"])
    return None


def as_dict(obj: object) -> dict[str, Any]:
    """A client model as the plain JSON dict the API sent (no Optional-ridden attributes)."""
    data: dict[str, Any] = _SERIALIZER.sanitize_for_serialization(obj)  # type: ignore[no-untyped-call]
    return data


def job_pods(core: k8s.CoreV1Api, namespace: str, job: str) -> list[dict[str, Any]]:
    listing = core.list_namespaced_pod(namespace, label_selector=f"job-name={job}")
    pods = [as_dict(p) for p in listing.items]
    return sorted(pods, key=lambda p: str(p["metadata"]["creationTimestamp"]))


def pod_phase(core: k8s.CoreV1Api, namespace: str, name: str) -> str | None:
    try:
        pod = as_dict(core.read_namespaced_pod(name, namespace))
    except k8s.ApiException as exc:
        if exc.status == 404:
            return None
        raise
    phase: str | None = pod.get("status", {}).get("phase")
    return phase


def is_gone(read: Callable[[], object]) -> bool:
    try:
        read()
    except k8s.ApiException as exc:
        if exc.status == 404:
            return True
        raise
    return False
