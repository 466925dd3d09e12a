"""A DevOpsTask as observed -> its milestones and, once final, its result in Redis.

Level-based and idempotent: called on every watch event and by the periodic sweep, it
logs the milestones not yet logged (a Redis SET remembers them) and publishes a final
result at most once (a SET NX marker in the same Lua script as HSET + PUBLISH + LREM),
then records it on the object (annotation) so the sweep can skip it cheaply."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from devops_orchestrator import constants as c
from devops_orchestrator.adapters import network_results
from devops_orchestrator.adapters.redis_client import Client
from devops_orchestrator.adapters.tasks import TaskStore
from devops_orchestrator.bridge.output_files import with_output_artifacts
from devops_orchestrator.bridge.written import WrittenToRedis
from devops_orchestrator.core.answering import has_redis_work, publish_task_id
from devops_orchestrator.core.redis_result import (
    build_final_fields,
    build_in_progress_fields,
    build_milestones,
    format_log_line,
)
from devops_orchestrator.core.status import is_final
from devops_orchestrator.models import AggregatedResult

logger = logging.getLogger(__name__)

MARK_MEMORY_SECONDS = 60.0


class RecentMarks:
    """The tasks (by uid) this process marked published lately. Until the watch shows a
    task's mark, another look at it (a second event, the sweep's listing) would publish
    nothing but write the mark again. After a restart nothing is remembered: the marker
    in Redis still decides, and the mark is written then."""

    def __init__(self) -> None:
        self._at: dict[str, float] = {}
        self._lock = threading.Lock()

    def __contains__(self, uid: object) -> bool:
        with self._lock:
            return uid in self._at

    def add(self, uid: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._at = {u: at for u, at in self._at.items() if now - at < MARK_MEMORY_SECONDS}
            self._at[uid] = now


def observe_task(
    client: Client,
    store: TaskStore,
    body: Mapping[str, Any],
    *,
    intake_namespace: str,
    deleted: bool = False,
    now: datetime | None = None,
    result_ttl: int = network_results.RESULT_TTL_SECONDS,
    marks: RecentMarks | None = None,
    written: WrittenToRedis | None = None,
) -> bool:
    """Bring Redis up to date with the task, if it is one we answer for (see
    core.answering). Returns True when this call published."""
    if not has_redis_work(body, intake_namespace=intake_namespace):
        return False
    uid = str((body.get("metadata") or {}).get("uid") or "")
    if marks is not None and uid in marks:
        return False  # published and marked by this process a moment ago
    task_id = publish_task_id(body, intake_namespace=intake_namespace)
    if not task_id:
        return False
    now = now or datetime.now(UTC)
    meta = body.get("metadata") or {}
    spec = body.get("spec") or {}
    status = body.get("status") or {}
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    if not deleted and spec.get("publish") is True and labels.get(c.LABEL_PUBLISH) != "true":
        # a kubectl task that asked to publish: labelled so the sweep can select it
        store.annotate(meta["namespace"], meta["name"], {}, {c.LABEL_PUBLISH: "true"})
    lines = [(m.key, format_log_line(now, m.text)) for m in build_milestones(spec, status)]
    written = written if written is not None else WrittenToRedis()
    if not is_final(status):
        if deleted:
            written.forget(task_id)
            return _publish_deleted(client, body, task_id, now, result_ttl)
        if not written.in_progress(task_id):
            network_results.mark_in_progress(client, build_in_progress_fields(task_id, now))
        news = written.unlogged(task_id, lines)
        network_results.log_milestones(client, task_id, news)
        written.record(task_id, [key for key, _ in news])
        return False
    network_results.log_milestones(client, task_id, written.unlogged(task_id, lines))
    fields = with_output_artifacts(build_final_fields(task_id, status, now), body)
    raw = str(annotations.get(c.ANNOTATION_TASK_MESSAGE, ""))
    published = network_results.publish_result(client, fields, raw=raw, result_ttl=result_ttl)
    if published:
        logger.info("published result of %s as %s: %s", meta.get("name"), task_id, fields["status"])
    if not deleted:
        store.annotate(
            meta["namespace"],
            meta["name"],
            {c.ANNOTATION_REDIS_PUBLISHED: "true"},
            {c.LABEL_REDIS_PUBLISHED: "true"},
        )
        if marks is not None and uid:
            marks.add(uid)
    written.forget(task_id)
    return published


def _publish_deleted(
    client: Client,
    body: Mapping[str, Any],
    task_id: str,
    now: datetime,
    result_ttl: int,
) -> bool:
    """A task deleted before it finished: the producer gets a failed result (and its
    item leaves the active list), instead of the recovery re-creating it."""
    error = "the DevOpsTask was deleted before it finished"
    fields = {
        "task_id": task_id,
        "status": c.STATUS_FAILED,
        "output": AggregatedResult(status="failed", summary=error).model_dump_json(),
        "completed_at": now.isoformat(),
        "error": error,
    }
    annotations = (body.get("metadata") or {}).get("annotations") or {}
    network_results.log_milestones(client, task_id, [("completed", format_log_line(now, error))])
    raw = str(annotations.get(c.ANNOTATION_TASK_MESSAGE, ""))
    return network_results.publish_result(client, fields, raw=raw, result_ttl=result_ttl)
