"""kopf handlers: decorators that unpack their arguments and call the reconciler.

Every trigger leads to the same level-based pass (`reconcile.Reconciler`):
- a watch event of a task that is new to us, listed (start-up, resuming after a
  pause) or changed (spec, the retry annotation), while it is not settled;
- an event of a Job we own (label managed-by) that changes what the decision reads of
  it (`job_events`), for the task that owns it;
- the Decision's own `requeue_after` (deadlines), and a safety net after
  `recheck_interval_seconds` without a pass, both scheduled by the reconciler.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterable
from typing import Any

import kopf

from devops_orchestrator import metrics
from devops_orchestrator.adapters import kube
from devops_orchestrator.adapters.claude_planner import build_planner
from devops_orchestrator.collector import Collector
from devops_orchestrator.config import Secrets, get_settings
from devops_orchestrator.constants import (
    GROUP,
    LABEL_MANAGED_BY,
    MANAGED_BY,
    PLURAL,
    VERSION,
)
from devops_orchestrator.core.jobs import build_job_config
from devops_orchestrator.core.unwatch import JOB_WATCH_SELECTOR, WATCH_SELECTOR
from devops_orchestrator.definitions import load_definitions
from devops_orchestrator.reconcile import Reconciler

logger = logging.getLogger(__name__)
_settings = get_settings()
_TASKS = (GROUP, VERSION, PLURAL)
_OWNED_JOBS = {LABEL_MANAGED_BY: MANAGED_BY}
WATCH_LIST_CHUNK = 100  # objects per page of kopf's listing before each watch
# kopf's per-object worker keeps the last event it handled (the whole body) until it has
# idled this long; at a start, every listed object's body at once.
WORKER_IDLE_SECONDS = 0.5


def _reconciler(memo: Any) -> Reconciler:
    reconciler: Reconciler = memo["reconciler"]
    return reconciler


class NoDiffBase(kopf.DiffBaseStorage):
    """No essence, no diff. kopf computes the diff of every event it sees (two deep
    copies of each Job and task body) for on.create/update/resume handlers; the
    operator has none (tests/unit/test_kopf_registry.py keeps it so)."""

    def build(
        self, *, body: kopf.Body, extra_fields: Iterable[Any] | None = None
    ) -> kopf.BodyEssence:
        return kopf.BodyEssence()

    def fetch(self, *, body: kopf.Body) -> kopf.BodyEssence | None:
        return None

    def store(self, *, body: kopf.Body, patch: kopf.Patch, essence: kopf.BodyEssence) -> None:
        return None


@kopf.on.startup()
async def configure(settings: kopf.OperatorSettings, memo: Any, **_: Any) -> None:
    # Our status is ours alone: kopf keeps its bookkeeping (if any) in annotations.
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage()
    settings.persistence.diffbase_storage = NoDiffBase()
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
    # The start-up listing in pages: one response with 10,000 tasks is over 100 MiB of
    # bytes, text and dicts at once, which the process then keeps as RSS (the heap's
    # peak stays as fragments); a page of 100 Jobs, with their briefings, is a few MiB.
    settings.watching.chunk_size = WATCH_LIST_CHUNK
    settings.queueing.idle_timeout = WORKER_IDLE_SECONDS
    if _settings.unwatch_settled_after_seconds:
        # Tasks labelled settled (by the collector, core.unwatch) are not streamed at all:
        # kopf keeps a record per object it sees, and lists them all at every start.
        settings.watching.label_selectors[GROUP, PLURAL] = WATCH_SELECTOR
        # And the Jobs of settled tasks (the collector labels them); only ours, server-side.
        settings.watching.label_selectors["batch", "jobs"] = JOB_WATCH_SELECTOR
    kube.api_client()  # fail at start-up, not on the first task, without credentials
    key = Secrets().anthropic_api_key
    planner = build_planner(_settings, key.get_secret_value() if key else None)
    memo["reconciler"] = Reconciler(
        build_job_config(_settings),
        load_definitions(),
        planner,
        recheck_seconds=_settings.recheck_interval_seconds,
    )
    if metrics.start_metrics_server(_settings.metrics_port, _bridge.readiness):
        port = _settings.metrics_port
        logger.info("metrics on :%d/metrics, readiness on :%d/readyz", port, port)


@kopf.on.startup()
async def start_collector(memo: Any, **_: Any) -> None:
    collector = Collector(
        namespaces=tuple(_settings.watch_namespaces),
        default_ttl=_settings.task_ttl_seconds,
        interval=_settings.gc_interval_seconds,
        unwatch_after=_settings.unwatch_settled_after_seconds,
        intake_namespace=_settings.namespace,
    )
    collector.start()
    memo["collector"] = collector


@kopf.on.cleanup()
async def stop_collector(memo: Any, **_: Any) -> None:
    collector: Collector | None = memo.get("collector")
    if collector is not None:
        await asyncio.to_thread(collector.stop)


# No create/update/resume handler and no timer: kopf would persist its progress and
# diff-base in annotations and add a finalizer (several PATCHes per task). The watch
# events carry all a pass needs; `Reconciler.task_event` decides which ask for one.
# One handler per kind: kopf's cost per handler and event (its causes, arguments and
# logger) is paid once, for the reconciler and then the bridge or the progress relay.
@kopf.on.event(*_TASKS)
async def task_watched(memo: Any, body: kopf.Body, type: str | None, **_: Any) -> None:
    try:
        _reconciler(memo).task_event(type, body)
    finally:
        await _bridge.task_event(body, type)


@kopf.on.event("batch", "v1", "jobs", labels=_OWNED_JOBS)
async def owned_job_event(memo: Any, body: kopf.Body, type: str | None, **_: Any) -> None:
    try:
        _reconciler(memo).job_event(type, body)
    finally:
        _progress.job_progress(body, type)


from devops_orchestrator.bridge import hooks as _bridge  # noqa: E402  (after ours: startup order)
from devops_orchestrator.progress import hooks as _progress  # noqa: E402
