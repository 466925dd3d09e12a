"""Worker results: read from the finished worker pod's log, stored by the operator.

Workers write nothing to the API (their pods carry no token). Each one ends its log
with a framed result (`core.result_frame`); when its Job has finished, the operator
reads that frame (a bounded tail of the log) once and stores it as the ConfigMap
`<job-name>-result` (`result.json`, a WorkerResult, and `error` when the attempt
failed) and, for files of a non-git workspace, `<job-name>-artifacts`. Both are
labelled with the task and owned by the task and by that Job.

A stored result counts only when it is owned by that very Job (its uid checked), so a
ConfigMap anyone else created under the name is ignored. This is the only module that
knows that layout."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from pydantic import ValidationError

from devops_orchestrator.adapters import kube
from devops_orchestrator.adapters.errors import RetryableError
from devops_orchestrator.adapters.jobs import list_job_pods, take_worker_pod
from devops_orchestrator.constants import (
    ERROR_DATA_KEY,
    KIND,
    LABEL_COMPONENT,
    LABEL_TASK,
    RESULT_CONFIGMAP_SUFFIX,
    RESULT_DATA_KEY,
    TRANSCRIPT_DATA_KEY,
    USAGE_DATA_KEY,
)
from devops_orchestrator.core.jobs import CONTAINER_NAME, build_task_label_value
from devops_orchestrator.core.owners import build_owner_reference, build_task_owner_reference
from devops_orchestrator.core.result_frame import (
    LINE_CHARS,
    LOG_TAIL_BYTES,
    FrameError,
    ResultFrame,
    decode_last_frame,
)
from devops_orchestrator.models import TokenUsage, WorkerResult

RESULT_SUFFIX = RESULT_CONFIGMAP_SUFFIX
ARTIFACTS_SUFFIX = "-artifacts"
RESULT_KEY = RESULT_DATA_KEY
ERROR_KEY = ERROR_DATA_KEY
_TAIL_LINES = LOG_TAIL_BYTES // LINE_CHARS + 100
_UNREADABLE_CACHE_SIZE = 512
_unreadable: dict[str, str] = {}  # by Job uid: a finished pod's log does not change
_unreadable_lock = threading.Lock()


@dataclass(frozen=True)
class StoredResults:
    """By Job name: the results workers stored, and the errors they reported (or that
    reading their result ran into)."""

    results: dict[str, WorkerResult] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    usages: dict[str, TokenUsage] = field(default_factory=dict)  # of failed attempts


def result_selector(task_name: str) -> str:
    return f"{LABEL_TASK}={build_task_label_value(task_name)},{LABEL_COMPONENT}=result"


def parse_result_configmap(data: dict[str, str]) -> tuple[WorkerResult | None, str | None]:
    """The result and the error stored in one result ConfigMap's `data` (pure)."""
    error = data.get(ERROR_KEY) or None
    raw = data.get(RESULT_KEY)
    if raw is None:
        return None, error
    try:
        return WorkerResult.model_validate(json.loads(raw)), error
    except (ValueError, ValidationError) as exc:
        reason = f"unreadable {RESULT_KEY}: {str(exc).splitlines()[0]}"
        return None, f"{error}; {reason}" if error else reason


def parse_usage(data: dict[str, str]) -> TokenUsage | None:
    """What a failed attempt spent (`usage.json`), None when absent or unreadable (pure)."""
    raw = data.get(USAGE_DATA_KEY)
    if raw is None:
        return None
    try:
        return TokenUsage.model_validate_json(raw)
    except ValidationError:
        return None


def _record(stored: StoredResults, job_name: str, data: dict[str, str]) -> None:
    result, error = parse_result_configmap(data)
    usage = parse_usage(data)
    if usage is not None:
        stored.usages[job_name] = usage
    if result is not None:
        stored.results[job_name] = result
    if error:
        stored.errors[job_name] = error


# --- Pure: who may have stored a result, and what the operator stores ------------------


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def is_stored_by_operator(
    cm: Mapping[str, Any], job_name: str, job_uid: str | None, task_uid: str
) -> bool:
    """Owned by the Job `job_name` (with `job_uid` when the Job still exists) and, when
    `task_uid` is known, by the task: what the operator writes, and no one else."""
    owners = [o for o in _meta(cm).get("ownerReferences") or [] if isinstance(o, Mapping)]
    jobs = [o for o in owners if o.get("kind") == "Job" and o.get("name") == job_name]
    if not jobs or (job_uid is not None and all(o.get("uid") != job_uid for o in jobs)):
        return False
    return not task_uid or any(o.get("uid") == task_uid and o.get("kind") == KIND for o in owners)


def is_finished(job: Mapping[str, Any]) -> bool:
    conditions = (job.get("status") or {}).get("conditions") or []
    return any(
        c.get("type") in ("Complete", "Failed") and c.get("status") == "True" for c in conditions
    )


def build_stored_configmaps(
    job: Mapping[str, Any], task_name: str, task_uid: str, frame: ResultFrame
) -> list[dict[str, Any]]:
    """The result (and artifacts) ConfigMaps for a worker's frame, labelled from the
    Job the operator rendered (nothing of the worker's own metadata is used)."""
    meta = _meta(job)
    name = str(meta.get("name", ""))
    owners = [
        build_task_owner_reference(task_name, task_uid),
        build_owner_reference("batch/v1", "Job", name, str(meta.get("uid", ""))),
    ]
    base_labels = {str(k): str(v) for k, v in (meta.get("labels") or {}).items()}

    def body(suffix: str, component: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": f"{name}{suffix}",
                "namespace": meta.get("namespace"),
                "labels": {**base_labels, LABEL_COMPONENT: component},
                "ownerReferences": owners,
            },
        }

    result = body(RESULT_SUFFIX, "result")
    data: dict[str, str] = {}
    if frame.result is not None:
        data[RESULT_KEY] = json.dumps(frame.result, separators=(",", ":"))
    if frame.error:
        data[ERROR_KEY] = frame.error
    if frame.transcript:
        data[TRANSCRIPT_DATA_KEY] = frame.transcript
    if frame.usage is not None and frame.result is None:
        data[USAGE_DATA_KEY] = json.dumps(frame.usage, separators=(",", ":"))
    result["data"] = data
    stored = [result]
    if frame.artifacts_data or frame.artifacts_binary:
        artifacts = body(ARTIFACTS_SUFFIX, "artifacts")
        artifacts["data"] = frame.artifacts_data
        if frame.artifacts_binary:
            artifacts["binaryData"] = frame.artifacts_binary
        stored.append(artifacts)
    return stored


def worker_exit_code(pod: Mapping[str, Any]) -> int | None:
    """The worker container's exit code once it has terminated, else None."""
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        if status.get("name") == CONTAINER_NAME:
            terminated = (status.get("state") or {}).get("terminated")
            if terminated is not None:
                return int(terminated.get("exitCode", -1))
    return None


# --- I/O -------------------------------------------------------------------------------


def _core() -> client.CoreV1Api:
    return client.CoreV1Api(kube.api_client())


def _read_log(namespace: str, pod: str) -> str:
    what = f"read the log of pod {namespace}/{pod}"
    try:
        response = _core().read_namespaced_pod_log(
            pod,
            namespace,
            container=CONTAINER_NAME,
            tail_lines=_TAIL_LINES,
            limit_bytes=LOG_TAIL_BYTES + 2 * LINE_CHARS,
            _preload_content=False,
        )
    except ApiException as exc:
        if exc.status in (400, 404):  # gone, or never started
            return ""
        raise kube.map_api_exception(exc, what) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise RetryableError(f"{what}: {exc}") from exc
    data: bytes = getattr(response, "data", b"") or b""
    return data.decode("utf-8", errors="replace")


def _store(namespace: str, body: dict[str, Any]) -> None:
    """Create; when the name is taken (by another replica, or by someone forging a result
    under it), replace it: the name is the operator's."""
    name = body["metadata"]["name"]
    api = _core()
    what = f"store {namespace}/{name}"
    try:
        kube.send(what, api.create_namespaced_config_map, namespace, body)
    except RetryableError as exc:
        if exc.status != 409:
            raise
        kube.send(what, api.replace_namespaced_config_map, name, namespace, body)


def is_complete(job: Mapping[str, Any]) -> bool:
    conditions = (job.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Complete" and c.get("status") == "True" for c in conditions)


def read_frame(namespace: str, job: Mapping[str, Any]) -> ResultFrame:
    """The frame that ends the log of the Job's terminated worker pod."""
    job_name = str(_meta(job).get("name", ""))
    known = take_worker_pod(str(_meta(job).get("uid", "")))
    if known is not None and is_complete(job):
        # One pod, no retry (backoffLimit 0): the completed Job's pod is the one that
        # ran, and it exited 0. Listed after all when its log is not there as expected.
        try:
            return decode_last_frame(_read_log(namespace, known), 0)
        except FrameError:
            pass
    pods = list_job_pods(namespace, job_name)
    finished = [(p, worker_exit_code(p)) for p in pods]
    finished = [(p, code) for p, code in finished if code is not None]
    if not finished:
        raise FrameError("the worker's pod is gone or never ran")
    pod, code = max(finished, key=lambda pc: _meta(pc[0]).get("creationTimestamp", ""))
    assert code is not None
    return decode_last_frame(_read_log(namespace, str(_meta(pod).get("name"))), code)


def _collect(
    namespace: str, task_name: str, task_uid: str, job: Mapping[str, Any], stored: StoredResults
) -> None:
    meta = _meta(job)
    name, uid = str(meta.get("name", "")), str(meta.get("uid", ""))
    with _unreadable_lock:
        if uid in _unreadable:
            return
    try:
        frame = read_frame(namespace, job)
    except FrameError as exc:
        with _unreadable_lock:
            if len(_unreadable) >= _UNREADABLE_CACHE_SIZE:
                _unreadable.pop(next(iter(_unreadable)))
            _unreadable[uid] = str(exc)
        return  # a crash: the reconciler reports the log's last lines instead
    bodies = build_stored_configmaps(job, task_name, task_uid, frame)
    for body in bodies:
        _store(namespace, body)
    _record(stored, name, bodies[0]["data"])


def read_results(
    namespace: str,
    task_name: str,
    task_uid: str = "",
    jobs: Sequence[Mapping[str, Any]] = (),
    known: StoredResults | None = None,
) -> StoredResults:
    """Every result stored for the task's worker attempts, keyed by Job name; for the
    finished `jobs` without one, the result is read from their pod's log and stored.
    With `known` (what this process read or stored for the task before), the stored
    ones are not listed again: only the Jobs finished since are read."""
    if known is not None:
        stored = StoredResults(dict(known.results), dict(known.errors), dict(known.usages))
    else:
        stored = _list_stored(namespace, task_name, task_uid, jobs)
    for job in jobs:
        name = str(_meta(job).get("name", ""))
        if is_finished(job) and name not in stored.results and name not in stored.errors:
            _collect(namespace, task_name, task_uid, job, stored)
    return stored


def _list_stored(
    namespace: str, task_name: str, task_uid: str, jobs: Sequence[Mapping[str, Any]]
) -> StoredResults:
    stored = StoredResults()
    job_uids = {str(_meta(j).get("name")): str(_meta(j).get("uid")) for j in jobs}
    for cm in kube.list_configmaps(namespace, result_selector(task_name)):
        name: str = str(_meta(cm).get("name", ""))
        if not name.endswith(RESULT_SUFFIX):
            continue
        job_name = name[: -len(RESULT_SUFFIX)]
        if not is_stored_by_operator(cm, job_name, job_uids.get(job_name), task_uid):
            continue
        _record(stored, job_name, cm.get("data") or {})
    return stored
