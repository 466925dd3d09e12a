"""Take tasks from `tasks:pending:{domain}` and turn each into a DevOpsTask.

At-least-once with idempotent effects: the item moves atomically to the active list
(BLMOVE) and leaves it only when its result is published (or it is dead-lettered). The
resource name is a function of the task id, so handling the same item again (after a
crash, in the recovery sweep, on another replica) converges on the same single task."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from devops_orchestrator import constants as c
from devops_orchestrator.adapters import network_results, task_queue
from devops_orchestrator.adapters.redis_client import Client
from devops_orchestrator.adapters.tasks import TaskStore
from devops_orchestrator.bridge.publisher import is_annotated_published, observe_task
from devops_orchestrator.core.network_workspace import SharedWorkspace, WorkspacePathError
from devops_orchestrator.core.redis_result import (
    build_failed_fields,
    build_in_progress_fields,
    format_log_line,
)
from devops_orchestrator.core.status import is_final
from devops_orchestrator.core.task_mapping import SOURCE_REDIS, build_task_manifest
from devops_orchestrator.core.task_message import DeadLetter, build_dead_letter, parse_task_item
from devops_orchestrator.core.task_workspace import build_task_workspace

logger = logging.getLogger(__name__)

INFLIGHT_REFRESH_SECONDS = 2.0


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Consumer:
    client: Client  # bytes mode, short socket timeout: every write
    queue_client: Client  # bytes mode, socket timeout > block time: BLMOVE only
    store: TaskStore
    agent_id: str
    namespace: str
    domain: str = c.DOMAIN
    max_in_flight: int = 10
    max_description_chars: int = 8000
    block_seconds: float = 2.0
    shared_workspace: SharedWorkspace | None = None  # the network's /workspace claim
    clock: Callable[[], datetime] = _now
    _in_flight: set[str] = field(default_factory=set)
    _refreshed_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- in-flight cap ------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        with self._lock:
            return len(self._in_flight)

    def at_capacity(self) -> bool:
        if self.in_flight < self.max_in_flight:
            return False
        if time.monotonic() - self._refreshed_at >= INFLIGHT_REFRESH_SECONDS:
            self.refresh_in_flight()
        return self.in_flight >= self.max_in_flight

    def refresh_in_flight(self) -> None:
        """Our tasks not final yet: the ones this agent took, as the cluster says now."""
        selector = f"{c.LABEL_SOURCE}={SOURCE_REDIS}"
        mine = {
            body["metadata"]["name"]
            for body in self.store.list(selector)
            if body["metadata"].get("namespace") == self.namespace
            and (body["metadata"].get("annotations") or {}).get(c.ANNOTATION_TAKEN_BY)
            == self.agent_id
            and not is_final(body.get("status") or {})
        }
        with self._lock:
            self._in_flight = mine
        self._refreshed_at = time.monotonic()

    # --- one step -----------------------------------------------------------------------

    def take_one(self) -> bytes | None:
        """Block up to `block_seconds` for an item and handle it; None when idle or full."""
        if self.at_capacity():
            return None
        raw = task_queue.take(
            self.queue_client, block_seconds=self.block_seconds, domain=self.domain
        )
        if raw is not None:
            self.handle_item(raw)
        return raw

    def handle_item(self, raw: bytes) -> str:
        """Bring one item of the active list to its next state. Idempotent. Returns what
        happened: "dead", "created", "running", "published", "done"."""
        parsed = parse_task_item(raw, max_description_chars=self.max_description_chars)
        if isinstance(parsed, DeadLetter):
            self.dead_letter(raw, parsed)
            return "dead"
        task_id = parsed.task_id
        if network_results.was_published(self.client, task_id):
            task_queue.remove_active(self.client, raw, domain=self.domain)
            return "done"
        try:
            workspace = build_task_workspace(parsed.payload.context, self.shared_workspace)
        except WorkspacePathError as exc:
            self.dead_letter(raw, DeadLetter(str(exc), task_id))
            return "dead"
        text = raw.decode("utf-8")
        manifest = build_task_manifest(
            parsed, text, namespace=self.namespace, agent_id=self.agent_id, workspace=workspace
        )
        name = manifest["metadata"]["name"]
        body = self.store.get(self.namespace, name)
        outcome = "running"
        if body is None:
            if self.store.create(manifest):
                outcome = "created"
                logger.info("task %s -> DevOpsTask %s/%s", task_id, self.namespace, name)
            body = self.store.get(self.namespace, name)
            if body is None:  # deleted right after: the next sweep looks again
                return "running"
        status = body.get("status") or {}
        if is_final(status):
            if not is_annotated_published(body):
                observe_task(self.client, self.store, body, now=self.clock())
            task_queue.remove_active(self.client, raw, domain=self.domain)
            return "published"
        now = self.clock()
        network_results.mark_in_progress(self.client, build_in_progress_fields(task_id, now))
        received = f"received: {parsed.payload.description[:120]}"
        network_results.log_milestones(
            self.client, task_id, [("received", format_log_line(now, received))]
        )
        taken_by = (body["metadata"].get("annotations") or {}).get(c.ANNOTATION_TAKEN_BY)
        if taken_by == self.agent_id:
            with self._lock:
                self._in_flight.add(name)
        return outcome

    def dead_letter(self, raw: bytes, letter: DeadLetter) -> None:
        now = self.clock()
        envelope = build_dead_letter(raw, letter, agent_id=self.agent_id, now=now)
        fields = (
            build_failed_fields(letter.task_id, f"rejected: {letter.reason}", now)
            if letter.task_id
            else None
        )
        if task_queue.dead_letter(
            self.client,
            raw,
            envelope,
            task_id=letter.task_id,
            failed_fields=fields,
            domain=self.domain,
        ):
            logger.warning(
                "dead-lettered an item (%s): %s", letter.task_id or "no task_id", letter.reason
            )

    # --- recovery -----------------------------------------------------------------------

    def recover(self) -> int:
        """Re-handle every item of the active list (crash recovery, stuck items)."""
        items = task_queue.active_items(self.client, domain=self.domain)
        for raw in items:
            self.handle_item(raw)
        return len(items)

    def publish_pending(self) -> int:
        """Observe every task: publishes final, unpublished results (e.g. those that
        finished while Redis was away) and catches up milestones."""
        count = 0
        for body in self.store.list():
            if not is_annotated_published(body) and observe_task(
                self.client, self.store, body, now=self.clock()
            ):
                count += 1
        return count
