"""Polling helpers for the cluster tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubernetes import client as k8s

from polling import wait_for as wait_for  # re-exported for the cluster tests

_SERIALIZER = k8s.ApiClient()  # only for sanitize_for_serialization: never sends a request


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
