"""A worker Job whose pods cannot be created or started: detect it, say why. Pure.

The Job controller reports a pod it may not create (missing ServiceAccount, exceeded
ResourceQuota, an admission webhook's denial) only as `FailedCreate` Events on the Job;
the Job itself stays "active" with no pod until its deadline. A pod that exists but can
never start (image pull errors, a missing Secret or ConfigMap) shows it as the
container's waiting reason. Either way, after `grace` seconds the worker is failed with
the platform's reason instead of hanging silently."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from devops_orchestrator.core.status import format_time, parse_time

GRACE_SECONDS = 10.0  # a cause that lasts this long is not a passing moment
REASON = "PodsCannotBeCreated"
MAX_MESSAGE_CHARS = 400
# Waiting reasons that do not go away without a change by a person.
STUCK_WAITING = frozenset(
    {
        "ErrImagePull",
        "ImagePullBackOff",
        "InvalidImageName",
        "ErrImageNeverPull",
        "CreateContainerConfigError",
        "CreateContainerError",
    }
)
_MISSING_SA = re.compile(r'serviceaccount "([^"]+)" not found')
_QUOTA = re.compile(r"exceeded quota: ([^,]+)")
_WEBHOOK = re.compile(r'admission webhook "([^"]+)" denied the request: ?(.*)')


def _age(meta: Mapping[str, Any], now: datetime) -> float:
    created = parse_time(meta.get("creationTimestamp"))
    return (now - created).total_seconds() if created is not None else 0.0


def _pods_counted(status: Mapping[str, Any]) -> int:
    keys = ("active", "ready", "terminating", "succeeded", "failed")
    return sum(int(status.get(key) or 0) for key in keys)


def _finished(job: Mapping[str, Any]) -> bool:
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("type") in ("Complete", "Failed") and cond.get("status") == "True":
            return True
    return False


def is_waiting_for_pods(
    job: Mapping[str, Any], now: datetime, grace: float = GRACE_SECONDS
) -> bool:
    """True for a running Job that has had no pod at all for `grace` seconds: worth one
    look at its Events (the only place the reason is told)."""
    if _finished(job) or _pods_counted(job.get("status") or {}) > 0:
        return False
    return _age(job.get("metadata") or {}, now) >= grace


def is_waiting_to_start(
    job: Mapping[str, Any], now: datetime, grace: float = GRACE_SECONDS
) -> bool:
    """True for a running Job whose pods exist but none is ready after `grace` seconds."""
    status = job.get("status") or {}
    if _finished(job) or not int(status.get("active") or 0) or int(status.get("ready") or 0):
        return False
    return _age(job.get("metadata") or {}, now) >= grace


def creation_failure(
    job: Mapping[str, Any], events: Iterable[Mapping[str, Any]], *, namespace: str
) -> str | None:
    """The reason the Job's pods cannot be created, from its newest FailedCreate Event."""
    uid = (job.get("metadata") or {}).get("uid")
    newest: tuple[str, str] | None = None
    for event in events:
        involved = event.get("involvedObject") or {}
        if event.get("reason") != "FailedCreate" or (uid and involved.get("uid") != uid):
            continue
        stamp = str(event.get("lastTimestamp") or event.get("eventTime") or "")
        if newest is None or stamp >= newest[0]:
            newest = (stamp, str(event.get("message") or ""))
    if newest is None:
        return None
    return explain_creation_failure(newest[1], namespace=namespace)


def start_failure(pods: Iterable[Mapping[str, Any]]) -> str | None:
    """Why the Job's pod cannot start, when a container waits for a reason that lasts."""
    for pod in pods:
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        for container in statuses:
            waiting = (container.get("state") or {}).get("waiting") or {}
            reason = waiting.get("reason")
            if reason in STUCK_WAITING:
                detail = str(waiting.get("message") or "").strip()
                text = f"worker pods cannot start: {reason}" + (f": {detail}" if detail else "")
                return _cut(text)
    return None


def explain_creation_failure(message: str, *, namespace: str) -> str:
    """The Event's message as a person would want to read it, with what to do."""
    text = message.strip().removeprefix("Error creating:").strip()
    missing = _MISSING_SA.search(text)
    if missing:
        account = missing.group(1)
        return _cut(
            f"worker pods cannot be created: serviceaccount {account} not found in {namespace}"
            " (apply manifests/worker to this namespace)"
        )
    quota = _QUOTA.search(text)
    if quota:
        detail = text[quota.start() :]
        return _cut(f"worker pods cannot be created in {namespace}: {detail}")
    webhook = _WEBHOOK.search(text)
    if webhook:
        name, why = webhook.group(1), webhook.group(2).strip()
        return _cut(f"worker pods cannot be created: admission webhook {name} denied them: {why}")
    return _cut(f"worker pods cannot be created: {text or 'FailedCreate'}")


FORBIDDEN = 403


def explain_refused_create(status: int, what: str, *, namespace: str) -> str | None:
    """Why a worker cannot run when the API server answered HTTP `status` to the
    operator's create of `what` (its Job) in the task's namespace; None when the
    answer is not a refusal. The operator's right to create it there comes only from
    the RoleBinding manifests/worker installs, and retrying cannot bring that about."""
    if status != FORBIDDEN:
        return None
    return _cut(
        f"worker pods cannot be created: the operator may not create the worker's {what}"
        f" in {namespace} (apply manifests/worker to this namespace)"
    )


def nothing_to_read_yet(status: int, owned_jobs: int) -> bool:
    """Whether a refused (HTTP `status`) read of the task's result ConfigMaps may count
    as "no results": before any worker Job exists there are none to miss, and the
    worker's first create is refused the same way and says why."""
    return status == FORBIDDEN and owned_jobs == 0


def _cut(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 3] + "..."


def name_of(job: Mapping[str, Any]) -> str:
    return str((job.get("metadata") or {}).get("name", ""))


def mark_failed(job: Mapping[str, Any], message: str, now: datetime) -> dict[str, Any]:
    """The Job as the decision should see it: failed with REASON and `message` (the Job
    controller would keep it "active" until its deadline)."""
    status = dict(job.get("status") or {})
    condition = {
        "type": "Failed",
        "status": "True",
        "reason": REASON,
        "message": message,
        "lastTransitionTime": format_time(now),
    }
    status["conditions"] = [*(status.get("conditions") or []), condition]
    return {**dict(job), "status": status}
