"""The DevOpsTask calls the Redis bridge needs beyond `kube`: create (409 = already
there = success), list, and annotate. Errors map to `kube`'s taxonomy."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from devops_orchestrator.adapters import kube
from devops_orchestrator.constants import GROUP, PLURAL, VERSION


def _call(what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        response = fn(*args, _preload_content=False, **kwargs)
    except ApiException as exc:
        raise kube.map_api_exception(exc, what) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise kube.RetryableError(f"{what}: {exc}", delay=5.0) from exc
    data = response.data
    return json.loads(data) if data else None


def _api() -> client.CustomObjectsApi:
    return client.CustomObjectsApi(kube.api_client())


def create_task(manifest: Mapping[str, Any]) -> bool:
    """Create the DevOpsTask unless one of that name exists. True when this call created it."""
    meta = manifest["metadata"]
    what = f"create devopstask {meta['namespace']}/{meta['name']}"
    try:
        _call(
            what,
            _api().create_namespaced_custom_object,
            GROUP,
            VERSION,
            meta["namespace"],
            PLURAL,
            dict(manifest),
        )
    except kube.RetryableError as exc:
        if exc.status == 409:
            return False
        raise
    return True


def get_task(namespace: str, name: str) -> dict[str, Any] | None:
    return kube.get_task(namespace, name)


def list_tasks(namespaces: Sequence[str] = (), label_selector: str = "") -> list[dict[str, Any]]:
    """DevOpsTasks in `namespaces`, or in every namespace when empty."""
    api = _api()
    bodies: list[Any] = []
    if not namespaces:
        bodies.append(
            _call(
                "list devopstasks",
                api.list_cluster_custom_object,
                GROUP,
                VERSION,
                PLURAL,
                label_selector=label_selector,
            )
        )
    for namespace in namespaces:
        bodies.append(
            _call(
                f"list devopstasks in {namespace}",
                api.list_namespaced_custom_object,
                GROUP,
                VERSION,
                namespace,
                PLURAL,
                label_selector=label_selector,
            )
        )
    return [item for body in bodies if body for item in body.get("items", [])]


def annotate_task(namespace: str, name: str, annotations: Mapping[str, str]) -> bool:
    """Merge `annotations` into the task's metadata. False when the task is gone."""
    body = {"metadata": {"annotations": dict(annotations)}}
    try:
        _call(
            f"annotate devopstask {namespace}/{name}",
            _api().patch_namespaced_custom_object,
            GROUP,
            VERSION,
            namespace,
            PLURAL,
            name,
            body,
        )
    except kube.PermanentError as exc:
        if exc.status == 404:
            return False
        raise
    return True
