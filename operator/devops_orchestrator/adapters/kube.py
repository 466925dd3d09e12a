"""The Kubernetes API, thinly: DevOpsTasks, their Jobs and ConfigMaps.

Every call returns plain JSON dicts (camelCase, as `kubectl get -o json` shows them)
and maps API failures to one taxonomy: `RetryableError` (conflicts, throttling,
server and connection errors; try again after `delay`) or `PermanentError` (the
request itself is wrong or forbidden). `create_`/`ensure_` calls are idempotent:
409 on create and 404 on delete count as success."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from devops_orchestrator.constants import GROUP, PLURAL, VERSION

_RETRYABLE_STATUS = frozenset({409, 425, 429, 500, 502, 503, 504})


class KubeError(Exception):
    """A failed Kubernetes API call."""

    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class RetryableError(KubeError):
    """Worth trying again after `delay` seconds."""

    def __init__(self, message: str, *, status: int = 0, delay: float = 2.0) -> None:
        super().__init__(message, status=status)
        self.delay = delay


class PermanentError(KubeError):
    """Retrying the same request cannot help."""


def map_api_exception(exc: ApiException, what: str) -> KubeError:
    """The taxonomy entry for an API failure while doing `what`."""
    status = int(exc.status or 0)
    reason = _reason(exc)
    message = f"{what}: {status} {reason}".strip()
    if status == 0 or status in _RETRYABLE_STATUS:
        delay = 1.0 if status == 409 else 5.0
        return RetryableError(message, status=status, delay=delay)
    return PermanentError(message, status=status)


def _reason(exc: ApiException) -> str:
    try:
        body = json.loads(exc.body or "{}")
    except (TypeError, ValueError):
        body = {}
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return str(exc.reason or "")


_client_lock = threading.Lock()
_api_client: client.ApiClient | None = None


def api_client() -> client.ApiClient:
    """One ApiClient per process: in-cluster credentials, else the kubeconfig."""
    global _api_client
    with _client_lock:
        if _api_client is None:
            try:
                config.load_incluster_config()  # type: ignore[no-untyped-call]
            except ConfigException:
                config.load_kube_config()  # type: ignore[no-untyped-call]
            _api_client = client.ApiClient()
        return _api_client


def use_api_client(api: client.ApiClient) -> None:
    """Use `api` for every call from now on (tools and tests with their own kubeconfig)."""
    global _api_client
    with _client_lock:
        _api_client = api


def _call(what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one API call, returning the decoded JSON body (or None for empty bodies)."""
    try:
        response = fn(*args, _preload_content=False, **kwargs)
    except ApiException as exc:
        raise map_api_exception(exc, what) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise RetryableError(f"{what}: {exc}", delay=5.0) from exc
    data = response.data
    return json.loads(data) if data else None


def _is_status(exc: KubeError, code: int) -> bool:
    return exc.status == code


# --- DevOpsTasks ----------------------------------------------------------------------


def get_task(namespace: str, name: str) -> dict[str, Any] | None:
    """The DevOpsTask, or None when it no longer exists."""
    api = client.CustomObjectsApi(api_client())
    try:
        body: dict[str, Any] = _call(
            f"get devopstask {namespace}/{name}",
            api.get_namespaced_custom_object,
            GROUP,
            VERSION,
            namespace,
            PLURAL,
            name,
        )
    except PermanentError as exc:
        if _is_status(exc, 404):
            return None
        raise
    return body


def patch_task_status(
    namespace: str, name: str, status_patch: dict[str, Any], *, resource_version: str | None
) -> dict[str, Any] | None:
    """Merge-patch the status subresource. With `resource_version`, a concurrent change
    of the object is a 409 (retryable): the caller re-observes and decides again.
    Returns None when the task no longer exists."""
    api = client.CustomObjectsApi(api_client())
    body: dict[str, Any] = {"status": status_patch}
    if resource_version:
        body["metadata"] = {"resourceVersion": resource_version}
    try:
        result: dict[str, Any] = _call(
            f"patch status of devopstask {namespace}/{name}",
            api.patch_namespaced_custom_object_status,
            GROUP,
            VERSION,
            namespace,
            PLURAL,
            name,
            body,
        )
    except PermanentError as exc:
        if _is_status(exc, 404):
            return None
        raise
    return result


# --- Jobs -----------------------------------------------------------------------------


def _list_items(
    kind: str, method: Callable[..., Any], namespace: str, label_selector: str
) -> list[dict[str, Any]]:
    body = _call(
        f"list {kind} in {namespace} ({label_selector})",
        method,
        namespace,
        label_selector=label_selector,
    )
    items: list[dict[str, Any]] = body.get("items", []) if body else []
    return items


def list_jobs(namespace: str, label_selector: str) -> list[dict[str, Any]]:
    api = client.BatchV1Api(api_client())
    return _list_items("jobs", api.list_namespaced_job, namespace, label_selector)


def ensure_job(namespace: str, manifest: dict[str, Any]) -> bool:
    """Create the Job unless it exists. True when this call created it."""
    api = client.BatchV1Api(api_client())
    name = manifest.get("metadata", {}).get("name", "?")
    try:
        _call(f"create job {namespace}/{name}", api.create_namespaced_job, namespace, manifest)
    except RetryableError as exc:
        if _is_status(exc, 409):
            return False
        raise
    return True


def delete_job(namespace: str, name: str) -> bool:
    """Delete the Job and (in the background) its pods. True when it was there."""
    api = client.BatchV1Api(api_client())
    try:
        _call(
            f"delete job {namespace}/{name}",
            api.delete_namespaced_job,
            name,
            namespace,
            body=client.V1DeleteOptions(propagation_policy="Background"),
        )
    except PermanentError as exc:
        if _is_status(exc, 404):
            return False
        raise
    return True


# --- ConfigMaps -----------------------------------------------------------------------


def list_configmaps(namespace: str, label_selector: str) -> list[dict[str, Any]]:
    api = client.CoreV1Api(api_client())
    return _list_items("configmaps", api.list_namespaced_config_map, namespace, label_selector)


# --- Pods -------------------------------------------------------------------------------


def read_job_log_tail(namespace: str, job_name: str, lines: int = 5) -> str:
    """The last lines the newest pod of the Job wrote ('' when there is none to read)."""
    api = client.CoreV1Api(api_client())
    body = _call(
        f"list pods of job {namespace}/{job_name}",
        api.list_namespaced_pod,
        namespace,
        label_selector=f"batch.kubernetes.io/job-name={job_name}",
    )
    pods: list[dict[str, Any]] = body.get("items", []) if body else []
    if not pods:
        return ""
    newest = max(pods, key=lambda p: p.get("metadata", {}).get("creationTimestamp", ""))
    try:
        response = api.read_namespaced_pod_log(
            newest["metadata"]["name"], namespace, tail_lines=lines, _preload_content=False
        )
    except ApiException as exc:
        if exc.status in (400, 404):  # not started, or already gone
            return ""
        raise map_api_exception(exc, f"read log of job {namespace}/{job_name}") from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise RetryableError(f"read log of job {namespace}/{job_name}: {exc}") from exc
    data: bytes = getattr(response, "data", b"") or b""
    return data.decode("utf-8", errors="replace")
