"""The writer table of a shared workspace claim: a ConfigMap beside the claim, read,
decided on (core.workspace_lock) and replaced with its resourceVersion, so two passes
(two tasks, two replicas) can never both take the same workspace: the second write
meets a 409, which is retryable, and its pass decides again on the new table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from devops_orchestrator import constants as c
from devops_orchestrator.adapters import kube, tasks
from devops_orchestrator.core.status import is_final
from devops_orchestrator.core.workspace_lock import (
    LockDecision,
    Writer,
    WriterTable,
    build_table_name,
    decide_lock,
    others,
    parse_table,
    release_lock,
    render_table,
)

COMPONENT = "workspace-writers"


def _api() -> client.CoreV1Api:
    return client.CoreV1Api(kube.api_client())


@dataclass(frozen=True)
class _Stored:
    resource_version: str
    table: WriterTable


def _read(namespace: str, name: str) -> _Stored | None:
    try:
        body = _api().read_namespaced_config_map(name, namespace)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise kube.map_api_exception(exc, f"read configmap {namespace}/{name}") from exc
    version = body.metadata.resource_version if body.metadata else None
    return _Stored(str(version or ""), parse_table(body.data))


def _write(namespace: str, name: str, old: _Stored | None, table: WriterTable) -> None:
    """Create the table, or replace the one read (a 409 when it changed meanwhile)."""
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "labels": {c.LABEL_MANAGED_BY: c.MANAGED_BY, c.LABEL_COMPONENT: COMPONENT},
    }
    if old is not None:
        metadata["resourceVersion"] = old.resource_version
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata}
    body["data"] = render_table(table)
    try:
        if old is None:
            _api().create_namespaced_config_map(namespace, body)  # type: ignore[arg-type]
        else:
            _api().replace_namespaced_config_map(name, namespace, body)  # type: ignore[arg-type]
    except ApiException as exc:
        raise kube.map_api_exception(exc, f"write configmap {namespace}/{name}") from exc


def _finished(namespace: str, writer: Writer) -> bool:
    """The writer's task is gone, replaced by a namesake, or in a final phase."""
    task = tasks.get_task(namespace, writer.task)
    if task is None or task.get("metadata", {}).get("uid") != writer.uid:
        return True
    return is_final(task.get("status") or {})


def ensure_writer(
    namespace: str, claim: str, me: Writer, *, now: datetime, max_wait_seconds: float
) -> LockDecision:
    """Take (or keep, or queue for) the workspace of `me`; the decision says which."""
    name = build_table_name(claim)
    old = _read(namespace, name)
    table = old.table if old is not None else WriterTable()
    holding = any(w.uid == me.uid for w in table.holders)
    # Only a task that has to wait pays for checking who is still alive.
    gone = set() if holding else {w.uid for w in others(table, me.uid) if _finished(namespace, w)}
    decision = decide_lock(table, me, gone=gone, now=now, max_wait_seconds=max_wait_seconds)
    if old is None or decision.table != table:
        _write(namespace, name, old, decision.table)
    return decision


def release_writer(namespace: str, claim: str, uid: str) -> None:
    """Leave the table (idempotent: nothing to write when the task is not in it)."""
    name = build_table_name(claim)
    old = _read(namespace, name)
    if old is None:
        return
    table = old.table
    released = release_lock(table, uid)
    if released != table:
        _write(namespace, name, old, released)
