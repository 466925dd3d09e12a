"""Worker Jobs through the API server: list a task's own Jobs, create (409 = already
there = success), delete (404 = already gone = success), and the log tail of a crashed
worker. Errors follow `adapters.errors`."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from devops_orchestrator.adapters.errors import PermanentError, RetryableError
from devops_orchestrator.adapters.kube import (
    api_client,
    call,
    list_items,
    map_api_exception,
    send,
)
from devops_orchestrator.constants import LABEL_MANAGED_BY, MANAGED_BY
from devops_orchestrator.core.jobs import build_task_selector
from devops_orchestrator.core.observe import build_log_excerpt, is_crashed, is_owned_by
from devops_orchestrator.core.pod_creation import (
    creation_failure,
    is_waiting_for_pods,
    is_waiting_to_start,
    name_of,
    start_failure,
)


def _api() -> client.BatchV1Api:
    return client.BatchV1Api(api_client())


def list_jobs(namespace: str, label_selector: str) -> list[dict[str, Any]]:
    return list_items("jobs", _api().list_namespaced_job, namespace, label_selector)


def list_owned_jobs(namespace: str, task_name: str, task_uid: str) -> list[dict[str, Any]]:
    """The Jobs this very task owns: Jobs of a deleted namesake linger until collected."""
    selector = f"{build_task_selector(task_name)},{LABEL_MANAGED_BY}={MANAGED_BY}"
    return [job for job in list_jobs(namespace, selector) if is_owned_by(job, task_uid)]


def ensure_job(namespace: str, manifest: dict[str, Any]) -> bool:
    """Create the Job unless it exists. True when this call created it (the answer, the
    whole Job echoed back, is not decoded)."""
    name = manifest.get("metadata", {}).get("name", "?")
    try:
        send(f"create job {namespace}/{name}", _api().create_namespaced_job, namespace, manifest)
    except RetryableError as exc:
        if exc.status == 409:
            return False
        raise
    return True


def delete_job(namespace: str, name: str) -> bool:
    """Delete the Job and (in the background) its pods. True when it was there."""
    try:
        call(
            f"delete job {namespace}/{name}",
            _api().delete_namespaced_job,
            name,
            namespace,
            body=client.V1DeleteOptions(propagation_policy="Background"),
        )
    except PermanentError as exc:
        if exc.status == 404:
            return False
        raise
    return True


def list_job_events(namespace: str, job_name: str, reason: str) -> list[dict[str, Any]]:
    """The Events with `reason` about the Job `job_name` (server-side field selection)."""
    selector = f"involvedObject.kind=Job,involvedObject.name={job_name},reason={reason}"
    body = call(
        f"list events of job {namespace}/{job_name}",
        client.CoreV1Api(api_client()).list_namespaced_event,
        namespace,
        field_selector=selector,
    )
    items: list[dict[str, Any]] = body.get("items", []) if body else []
    return items


def list_job_pods(namespace: str, job_name: str) -> list[dict[str, Any]]:
    """The pods of the Job (every attempt's pod; the Job controller's label)."""
    api = client.CoreV1Api(api_client())
    selector = f"batch.kubernetes.io/job-name={job_name}"
    return list_items("pods", api.list_namespaced_pod, namespace, selector)


_WORKER_PODS_SIZE = 2048
_worker_pods: dict[str, str] = {}  # Job uid -> its running pod, as a follower found it
_worker_pods_lock = threading.Lock()


def remember_worker_pod(job_uid: str, pod_name: str) -> None:
    """The pod a Job's worker runs in, found by whoever listed it (the progress relay):
    its result is read from that pod once the Job completes, without listing again.
    Bounded: a Job whose result is never read (its task deleted) is dropped in time."""
    with _worker_pods_lock:
        if len(_worker_pods) >= _WORKER_PODS_SIZE:
            _worker_pods.pop(next(iter(_worker_pods)))
        _worker_pods[job_uid] = pod_name


def take_worker_pod(job_uid: str) -> str | None:
    """The remembered pod of the Job, forgotten as it is handed out."""
    with _worker_pods_lock:
        return _worker_pods.pop(job_uid, None)


def read_pod_failures(
    namespace: str, owned: Sequence[Mapping[str, Any]], now: datetime
) -> dict[str, str]:
    """By Job name: why its pods cannot be created or started, for the running Jobs
    that have had no (ready) pod for a while. Costs an API call only for those."""
    found: dict[str, str] = {}
    for job in owned:
        name = name_of(job)
        reason: str | None = None
        if is_waiting_for_pods(job, now):
            events = list_job_events(namespace, name, "FailedCreate")
            reason = creation_failure(job, events, namespace=namespace)
        elif is_waiting_to_start(job, now):
            reason = start_failure(list_job_pods(namespace, name))
        if reason:
            found[name] = reason
    return found


def read_job_log_tail(namespace: str, job_name: str, lines: int = 5) -> str:
    """The last lines the newest pod of the Job wrote ('' when there is none to read)."""
    api = client.CoreV1Api(api_client())
    pods = list_job_pods(namespace, job_name)
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


_LOG_CACHE_SIZE = 512
_log_cache: dict[str, str] = {}  # by Job uid: the log of a finished pod does not change
_log_cache_lock = threading.Lock()


def read_crash_messages(
    namespace: str, jobs: Sequence[Mapping[str, Any]], errors: Mapping[str, str]
) -> dict[str, str]:
    """`errors` plus, for Jobs whose worker crashed without storing an error, the tail of
    its log (read once per Job and remembered)."""
    merged = dict(errors)
    for job in jobs:
        meta = job.get("metadata", {})
        name, uid = meta.get("name", ""), meta.get("uid", "")
        if name in merged or not is_crashed(job):
            continue
        with _log_cache_lock:
            cached = _log_cache.get(uid)
        if cached is None:
            cached = build_log_excerpt(read_job_log_tail(namespace, name))
            with _log_cache_lock:
                if len(_log_cache) >= _LOG_CACHE_SIZE:
                    _log_cache.pop(next(iter(_log_cache)))
                _log_cache[uid] = cached
        if cached:
            merged[name] = cached
    return merged
