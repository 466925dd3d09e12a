"""Take tasks from `tasks:pending:{domain}` and turn each into a DevOpsTask.

At-least-once with idempotent effects: the item moves atomically to the active list
(BLMOVE) and leaves it only when its result is published (or it is dead-lettered). The
resource name is a function of the task id, so handling the same item again (after a
crash, in the recovery sweep, on another replica) converges on the same single task."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from devops_orchestrator import constants as c
from devops_orchestrator.adapters import network_results, task_queue
from devops_orchestrator.adapters.errors import AdapterError, RedisUnavailableError, RetryableError
from devops_orchestrator.adapters.redis_client import Client
from devops_orchestrator.adapters.tasks import TaskStore
from devops_orchestrator.bridge.publish_schedule import PublishSchedule
from devops_orchestrator.bridge.publisher import RecentMarks, observe_task
from devops_orchestrator.bridge.written import WrittenToRedis
from devops_orchestrator.core.answering import (
    is_annotated_published,
    publish_task_id,
    taken_task_id,
)
from devops_orchestrator.core.intake import (
    answer_error,
    build_duplicate,
    build_unprocessable,
    item_digest,
    may_answer,
)
from devops_orchestrator.core.network_workspace import SharedWorkspace, WorkspacePathError
from devops_orchestrator.core.redis_result import (
    build_failed_fields,
    build_in_progress_fields,
    build_milestones,
    format_log_line,
)
from devops_orchestrator.core.status import is_final
from devops_orchestrator.core.task_mapping import SOURCE_REDIS, build_task_manifest, build_task_name
from devops_orchestrator.core.task_message import DeadLetter, build_dead_letter, parse_task_item
from devops_orchestrator.core.task_workspace import build_task_workspace

logger = logging.getLogger(__name__)

INFLIGHT_REFRESH_SECONDS = 2.0
# A task we took (or that a listing showed) counts without the watch until the watch has
# shown it: its event lags the create by milliseconds, a start-up listing by seconds.
UNSEEN_SECONDS = 30.0
# Refusals that pass with time: a full ResourceQuota (room comes back as tasks finish and
# are collected), Redis out of memory, busy with a script, loading or failing over.
_TRANSIENT_MARKS = (
    "exceeded quota",
    ": OOM ",
    ": BUSY ",
    ": LOADING ",
    ": MASTERDOWN ",
    ": TRYAGAIN ",
    ": READONLY ",
)


def _now() -> datetime:
    return datetime.now(UTC)


def is_permanent(exc: BaseException) -> bool:
    """Whether handling the same item again cannot succeed. The taxonomy's retryable
    errors and the refusals above are transient; the API refusing the request, Redis
    refusing the command for this key (WRONGTYPE), or a failure of our own code on this
    item's content are permanent: the item is dead-lettered instead of retried forever."""
    if isinstance(exc, RetryableError):
        return False
    return not (isinstance(exc, AdapterError) and any(m in str(exc) for m in _TRANSIENT_MARKS))


def _redis_down(exc: BaseException) -> bool:
    return isinstance(exc, RedisUnavailableError)


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
    result_ttl: int = network_results.RESULT_TTL_SECONDS
    dead_letter_max: int = task_queue.DEAD_LETTER_MAX
    clock: Callable[[], datetime] = _now
    monotonic: Callable[[], float] = time.monotonic  # the cap's and the sweep's ages
    _in_flight: set[str] = field(default_factory=set)
    _unseen: dict[str, float] = field(default_factory=dict)  # name -> when, not held yet
    _handled: dict[str, float] = field(default_factory=dict)  # item digest -> when running
    _refreshed_at: float = 0.0
    _marks: RecentMarks = field(default_factory=RecentMarks)
    _written: WrittenToRedis = field(default_factory=WrittenToRedis)
    publishing: PublishSchedule = field(default_factory=PublishSchedule)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- in-flight cap ------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        with self._lock:
            return len(self._in_flight)

    def at_capacity(self) -> bool:
        """The cap counts every unfinished task taken from Redis, by any replica, as the
        cluster says (so it holds across replicas and restarts); looked up afresh at most
        every INFLIGHT_REFRESH_SECONDS, and before the first take."""
        if self.monotonic() - self._refreshed_at >= INFLIGHT_REFRESH_SECONDS:
            self.refresh_in_flight()
        return self.in_flight >= self.max_in_flight

    def refresh_in_flight(self) -> None:
        """Tasks taken from the queue (by any replica) and not final yet. Counted from the
        operator's live watch when there is one (no request: it sees every replica's
        tasks), plus those taken or listed here that it has not shown yet; else, and for
        the first count after a start, listed (unpublished ones, by label)."""
        held = self.store.held_tasks(self.namespace) if self._refreshed_at else None
        now = self.monotonic()
        if held is None:
            selector = f"{c.LABEL_SOURCE}={SOURCE_REDIS},!{c.LABEL_REDIS_PUBLISHED}"
            bodies: Sequence[Mapping[str, Any]] = self.store.list(selector, self.namespace)
            shown: set[str] = set()
        else:
            bodies = held
            shown = {str((body.get("metadata") or {}).get("name")) for body in held}
        taken = {str(body["metadata"]["name"]) for body in bodies if self._counts(body)}
        with self._lock:
            if held is None:
                self._unseen.update(dict.fromkeys(taken, now))
            self._unseen = {
                name: since
                for name, since in self._unseen.items()
                if name not in shown and now - since < UNSEEN_SECONDS
            }
            self._in_flight = taken if held is None else taken | set(self._unseen)
        self._refreshed_at = now

    def seen(self, body: Mapping[str, Any], *, deleted: bool = False) -> None:
        """A watch event of a task: final or deleted, it frees its place under the cap at
        once. The watch forgets a task as soon as it is settled, so one that finished
        between two counts would otherwise be counted as not shown yet for
        UNSEEN_SECONDS (short tasks then filled the cap with finished ones)."""
        meta = body.get("metadata") or {}
        if meta.get("namespace") != self.namespace:
            return
        if deleted or is_final(body.get("status") or {}):
            name = str(meta.get("name"))
            with self._lock:
                self._unseen.pop(name, None)
                self._in_flight.discard(name)

    def _counts(self, body: Mapping[str, Any]) -> bool:
        """Whether the task holds a place under the cap: taken from our queue, not final,
        and its result not out."""
        labels = (body.get("metadata") or {}).get("labels") or {}
        return (
            c.LABEL_REDIS_PUBLISHED not in labels
            and taken_task_id(body, intake_namespace=self.namespace) is not None
            and not is_final(body.get("status") or {})
        )

    # --- one step -----------------------------------------------------------------------

    def take_one(self) -> bytes | None:
        """Block up to `block_seconds` for an item and handle it; None when idle or full."""
        if self.at_capacity():
            return None
        raw = task_queue.take(
            self.queue_client, block_seconds=self.block_seconds, domain=self.domain
        )
        if raw is not None:
            self.handle_isolated(raw)
        return raw

    def handle_isolated(self, raw: bytes) -> str:
        """`handle_item`, with what goes wrong kept to this item: a transient error
        leaves it in the active list for the next sweep, a permanent one dead-letters
        it with the reason. Only Redis being unreachable stops the caller's loop."""
        try:
            return self.handle_item(raw)
        except Exception as exc:
            if _redis_down(exc):
                raise
            if not is_permanent(exc):
                logger.warning("item left for the next sweep: %s", exc)
                return "retry"
            logger.warning("item cannot be processed: %s", exc, exc_info=not _known(exc))
            self.dead_letter(raw, build_unprocessable(_describe(exc), _task_id_in(raw)))
            return "dead"

    def handle_item(self, raw: bytes) -> str:
        """Bring one item of the active list to its next state. Idempotent. Returns what
        happened: "dead", "created", "running", "published", "done"."""
        parsed = parse_task_item(raw, max_description_chars=self.max_description_chars)
        if isinstance(parsed, DeadLetter):
            self.dead_letter(raw, parsed)
            return "dead"
        task_id = parsed.task_id
        if not task_queue.claim_task_id(
            self.client, task_id, item_digest(raw), ttl=self.result_ttl
        ):
            self.dead_letter(raw, build_duplicate(task_id))
            return "duplicate"
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
        # Created first, read only when it was there already: a new item costs no read.
        body = self.store.held(self.namespace, name)
        outcome = "running"
        if body is None and self.store.create(manifest):
            outcome = "created"
            logger.info("task %s -> DevOpsTask %s/%s", task_id, self.namespace, name)
            body = manifest  # as created: our own metadata, no status yet
        elif body is None:
            body = self.store.get(self.namespace, name)
            if body is None:  # deleted right after: the next sweep looks again
                return "running"
        status = body.get("status") or {}
        if is_final(status):
            self.observe(body)
            task_queue.remove_active(self.client, raw, domain=self.domain)
            return "published"
        now = self.clock()
        network_results.mark_in_progress(self.client, build_in_progress_fields(task_id, now))
        received = f"received: {parsed.payload.description[:120]}"
        network_results.log_milestones(
            self.client, task_id, [("received", format_log_line(now, received))]
        )
        self._written.record(task_id, ["received"])
        taken_by = (body["metadata"].get("annotations") or {}).get(c.ANNOTATION_TAKEN_BY)
        with self._lock:
            self._handled[item_digest(raw)] = self.monotonic()
            if taken_by == self.agent_id:
                self._in_flight.add(name)
                self._unseen.setdefault(name, self.monotonic())
        return outcome

    def dead_letter(self, raw: bytes, letter: DeadLetter) -> None:
        now = self.clock()
        envelope = build_dead_letter(raw, letter, agent_id=self.agent_id, now=now)
        answer = letter.task_id if may_answer(letter, self.domain) else None
        fields = build_failed_fields(answer, answer_error(letter), now) if answer else None
        if task_queue.dead_letter(
            self.client,
            raw,
            envelope,
            task_id=answer,
            failed_fields=fields,
            domain=self.domain,
            keep=self.dead_letter_max,
            result_ttl=self.result_ttl,
        ):
            logger.warning(
                "dead-lettered an item (%s): %s", letter.task_id or "no task_id", letter.reason
            )

    # --- recovery -----------------------------------------------------------------------

    def recover(self) -> int:
        """Re-handle every item of the active list (crash recovery, stuck items), each
        on its own: one item's failure never keeps the others from their turn."""
        items = task_queue.active_items(self.client, domain=self.domain)
        now = self.monotonic()
        with self._lock:  # once per sweep, not per item (1,000 of each under a burst)
            self._handled = {d: t for d, t in self._handled.items() if now - t < UNSEEN_SECONDS}
        for raw in items:
            if not self._under_way(raw):
                self.handle_isolated(raw)
        return len(items)

    def _under_way(self, raw: bytes) -> bool:
        """An item this process brought to running a moment ago, or whose task the
        watch holds, not final: handled already, and carried on by the task's watch
        events (its result is published from its final one, or by `publish_pending`).
        Handling it again would only repeat its Redis writes, and for a task the watch
        has not shown yet cost a create refused as existing and a read: under a burst
        the watch lags the creates by seconds (0.4 of 1,000 tasks were taken twice)."""
        with self._lock:
            if item_digest(raw) in self._handled:
                return True
        parsed = parse_task_item(raw, max_description_chars=self.max_description_chars)
        if isinstance(parsed, DeadLetter):
            return False
        body = self.store.held(self.namespace, build_task_name(parsed.task_id))
        return body is not None and not is_final(body.get("status") or {})

    def publish_pending(self) -> int:
        """Observe every task we answer for that is not published yet (label-selected,
        paged): publishes final results (e.g. those that finished while Redis was away)
        and catches up milestones. Each task on its own, like `recover`."""
        unpublished = f"!{c.LABEL_REDIS_PUBLISHED}"
        bodies = [
            *self.store.list(f"{c.LABEL_SOURCE}={SOURCE_REDIS},{unpublished}", self.namespace),
            *self.store.list(f"{c.LABEL_PUBLISH}=true,{unpublished}"),
        ]
        count = 0
        for body in bodies:
            try:
                if self.observe(body, catch_up=True):
                    count += 1
            except Exception as exc:
                if _redis_down(exc):
                    raise
                if is_permanent(exc):
                    self._give_up_publishing(body, exc)
                else:
                    self.publishing.owe()  # tried again at the next sweep
                    logger.warning("publishing %s: %s", _name(body), exc)
        return count

    def publish_pending_when_due(self) -> int:
        """`publish_pending`, when `publishing` says a listing is due (the sweep's way)."""
        if not self.publishing.take_due():
            return 0
        try:
            return self.publish_pending()
        except BaseException:
            self.publishing.owe()
            raise

    def observe(
        self, body: Mapping[str, Any], *, deleted: bool = False, catch_up: bool = False
    ) -> bool:
        """Publish the task's milestones and final result, if unpublished and ours.
        `catch_up` (the sweep): write again what this process wrote before, in case Redis
        lost it (a restart without persistence)."""
        if is_annotated_published(body):
            return False
        published = observe_task(
            self.client,
            self.store,
            body,
            deleted=deleted,
            now=self.clock(),
            intake_namespace=self.namespace,
            result_ttl=self.result_ttl,
            marks=self._marks,
            written=None if catch_up else self._written,
        )
        task_id = publish_task_id(body, intake_namespace=self.namespace)
        if catch_up and task_id and is_final(body.get("status") or {}):
            self._written.forget(task_id)  # its result is out: nothing kept for it
        return published

    def has_news(self, body: Mapping[str, Any]) -> bool:
        """Whether observing this body of a task we answer for could write anything: it
        is final, or shows a milestone this process has not logged (most events of a
        running task show none: no thread hop, no Redis round trip)."""
        task_id = publish_task_id(body, intake_namespace=self.namespace)
        status = body.get("status") or {}
        if task_id is None or is_final(status):
            return True
        keys = [m.key for m in build_milestones(body.get("spec") or {}, status)]
        return self._written.has_news(task_id, keys)

    def _give_up_publishing(self, body: Mapping[str, Any], exc: BaseException) -> None:
        """A task whose result cannot be published, ever: say so once, dead-letter its
        item, and mark it so no sweep tries again."""
        meta = body.get("metadata") or {}
        logger.error("cannot publish %s: %s", _name(body), exc, exc_info=not _known(exc))
        raw = str((meta.get("annotations") or {}).get(c.ANNOTATION_TASK_MESSAGE, ""))
        if raw:
            letter = build_unprocessable(f"publishing failed: {_describe(exc)}", None)
            self.dead_letter(raw.encode("utf-8"), letter)
        self.store.annotate(
            meta["namespace"],
            meta["name"],
            {c.ANNOTATION_REDIS_PUBLISHED: "true"},
            {c.LABEL_REDIS_PUBLISHED: "true"},
        )


def _known(exc: BaseException) -> bool:
    """An error of the API or of Redis (worth a line), not of our code (worth a trace)."""
    return isinstance(exc, AdapterError)


def _describe(exc: BaseException) -> str:
    return str(exc) if _known(exc) else f"{type(exc).__name__}: {exc}"


def _task_id_in(raw: bytes) -> str | None:
    """The usable task id of an item that parsed before (None for any other)."""
    return parse_task_item(raw, max_description_chars=10**9).task_id


def _name(body: Mapping[str, Any]) -> str:
    meta = body.get("metadata") or {}
    return f"{meta.get('namespace')}/{meta.get('name')}"
