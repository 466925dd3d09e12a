"""kopf handlers: decorators that unpack their arguments and call the reconciler.

Every trigger leads to the same level-based pass (`reconcile.Reconciler`):
- the task was created, changed (spec, the retry annotation) or found at start-up;
- a safety-net timer, every `recheck_interval_seconds`, while the task is not final;
- an event of a Job we own (label managed-by) that changes what the decision reads of
  it (`job_events`), for the task that owns it;
- the Decision's own `requeue_after` (deadlines), scheduled by the reconciler.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

import kopf

from devops_orchestrator import metrics
from devops_orchestrator.adapters import kube
from devops_orchestrator.adapters.claude_planner import build_planner
from devops_orchestrator.adapters.errors import PermanentError, RetryableError
from devops_orchestrator.collector import Collector
from devops_orchestrator.config import Secrets, get_settings
from devops_orchestrator.constants import (
    ANNOTATION_RETRY,
    API_VERSION,
    GROUP,
    KIND,
    LABEL_MANAGED_BY,
    MANAGED_BY,
    PLURAL,
    VERSION,
)
from devops_orchestrator.core.jobs import build_job_config
from devops_orchestrator.core.status import is_final, is_settled
from devops_orchestrator.definitions import load_definitions
from devops_orchestrator.reconcile import Reconciler

logger = logging.getLogger(__name__)
_settings = get_settings()
_TASKS = (GROUP, VERSION, PLURAL)
_OWNED_JOBS = {LABEL_MANAGED_BY: MANAGED_BY}


def _reconciler(memo: Any) -> Reconciler:
    reconciler: Reconciler = memo["reconciler"]
    return reconciler


def _is_active(status: kopf.Status, **_: Any) -> bool:
    return not is_final(status)


async def _reconcile(memo: Any, namespace: str | None, name: str) -> None:
    if namespace is None:  # DevOpsTasks are namespaced; kopf types allow None
        return
    try:
        await _reconciler(memo).reconcile(namespace, name)
    except RetryableError as exc:
        raise kopf.TemporaryError(str(exc), delay=exc.delay) from exc
    except PermanentError as exc:
        raise kopf.PermanentError(str(exc)) from exc


@kopf.on.startup()
async def configure(settings: kopf.OperatorSettings, memo: Any, **_: Any) -> None:
    # Our status is ours alone: kopf keeps its bookkeeping in annotations.
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage()
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage()
    # kopf posts a k8s Event per log line at this level or above: at INFO that is one
    # per handler run ("Handler ... succeeded"), timers included. Our own Events (the
    # Decision's) are posted directly and are not affected.
    settings.posting.level = logging.WARNING
    # Peers of equal priority all pause (kopf's rule); a random one per replica makes
    # exactly one of the Deployment's replicas active and the other a hot standby.
    settings.peering.priority = secrets.randbelow(2**31) + 1
    # A replica that dies without a goodbye is presumed dead after this; the standby
    # takes over then (kopf's default of 60 s left tasks untouched for that long).
    settings.peering.lifetime = _settings.peering_lifetime_seconds
    settings.watching.server_timeout = 300
    kube.api_client()  # fail at start-up, not on the first task, without credentials
    key = Secrets().anthropic_api_key
    planner = build_planner(_settings, key.get_secret_value() if key else None)
    memo["reconciler"] = Reconciler(build_job_config(_settings), load_definitions(), planner)
    if metrics.start_metrics_server(_settings.metrics_port, _bridge.readiness):
        port = _settings.metrics_port
        logger.info("metrics on :%d/metrics, readiness on :%d/readyz", port, port)


@kopf.on.startup()
async def start_collector(memo: Any, **_: Any) -> None:
    collector = Collector(
        namespaces=tuple(_settings.watch_namespaces),
        default_ttl=_settings.task_ttl_seconds,
        interval=_settings.gc_interval_seconds,
    )
    collector.start()
    memo["collector"] = collector


@kopf.on.cleanup()
async def stop_collector(memo: Any, **_: Any) -> None:
    collector: Collector | None = memo.get("collector")
    if collector is not None:
        await asyncio.to_thread(collector.stop)


def _unsettled(body: kopf.Body, **_: Any) -> bool:
    return not is_settled(body)


# At start-up, only the tasks a pass could still change: thousands of finished ones
# would otherwise cost a pass (and its requests) each.
# Updates: the spec and the retry annotation only; other annotations (the bridge's
# published marker, kopf's own) change nothing a pass would decide.
@kopf.on.resume(*_TASKS, when=_unsettled)
@kopf.on.create(*_TASKS)
@kopf.on.update(*_TASKS, field="spec")
@kopf.on.update(*_TASKS, field=("metadata", "annotations", ANNOTATION_RETRY))
async def task_changed(memo: Any, namespace: str | None, name: str, **_: Any) -> None:
    await _reconcile(memo, namespace, name)


@kopf.timer(*_TASKS, interval=_settings.recheck_interval_seconds, when=_is_active)
async def task_recheck(memo: Any, namespace: str | None, name: str, **_: Any) -> None:
    await _reconcile(memo, namespace, name)


@kopf.on.delete(*_TASKS, optional=True)
async def task_deleted(memo: Any, namespace: str | None, name: str, **_: Any) -> None:
    if namespace is not None:
        _reconciler(memo).forget(namespace, name)


@kopf.on.event("batch", "v1", "jobs", labels=_OWNED_JOBS)
async def owned_job_event(
    memo: Any, namespace: str | None, meta: kopf.Meta, body: kopf.Body, type: str | None, **_: Any
) -> None:
    if namespace is None or not _reconciler(memo).job_changes.changed(type, body):
        return
    # The owner reference holds the task's full name (its label may be shortened).
    for owner in meta.get("ownerReferences") or []:
        if owner.get("kind") == KIND and owner.get("apiVersion") == API_VERSION:
            _reconciler(memo).trigger(namespace, owner["name"])


from devops_orchestrator.bridge import hooks as _bridge  # noqa: E402  (after ours: startup order)
from devops_orchestrator.progress import hooks as _progress  # noqa: E402, F401
