"""Progress Events on DevOpsTasks: post one, count a task's. Errors follow
`adapters.errors`."""

from __future__ import annotations

from typing import Any

from kubernetes import client

from devops_orchestrator.adapters.kube import api_client, call


def create_event(namespace: str, manifest: dict[str, Any]) -> None:
    call(
        f"create event in {namespace}",
        client.CoreV1Api(api_client()).create_namespaced_event,
        namespace,
        manifest,
    )


def count_events(namespace: str, field_selector: str) -> int:
    body = call(
        f"list events in {namespace} ({field_selector})",
        client.CoreV1Api(api_client()).list_namespaced_event,
        namespace,
        field_selector=field_selector,
    )
    return len(body.get("items", [])) if body else 0
