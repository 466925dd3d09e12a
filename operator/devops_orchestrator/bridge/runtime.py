"""The bridge's three loops, each a daemon thread, and whether Redis is reachable.

- consumer: BLMOVE, handle, repeat (stops taking at the in-flight cap);
- heartbeat: the registry entry every `heartbeat_interval` seconds (active/busy);
- sweeper: re-handles `tasks:active` and publishes final, unpublished results (when a
  listing is due: `bridge.publish_schedule`).

Redis errors never end a loop: it waits with a capped exponential backoff (the client
reconnects by itself on the next command). Kubernetes errors likewise."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from devops_orchestrator.adapters import redis_client, registry
from devops_orchestrator.adapters.errors import AdapterError, RedisUnavailableError
from devops_orchestrator.adapters.tasks import TaskStore
from devops_orchestrator.bridge.consumer import Consumer
from devops_orchestrator.bridge.heartbeat import Heartbeat
from devops_orchestrator.config import Settings
from devops_orchestrator.core.answering import has_redis_work
from devops_orchestrator.core.network_workspace import SharedWorkspace
from devops_orchestrator.core.policies import next_backoff

logger = logging.getLogger(__name__)


class Backoff:
    def __init__(self) -> None:
        self.delay = 0.0

    def failed(self) -> float:
        self.delay = next_backoff(self.delay)
        return self.delay

    def reset(self) -> None:
        self.delay = 0.0


class Bridge:
    def __init__(
        self,
        settings: Settings,
        store: TaskStore,
        *,
        agent_id: str | None = None,
        heartbeat_interval: float | None = None,
        sweep_interval: float | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.agent = registry.Agent(
            agent_id=agent_id or registry.default_agent_id(settings.agent_id, settings.domain),
            domain=settings.domain,
        )
        self.heartbeat_interval = heartbeat_interval or settings.heartbeat_interval_seconds
        self.sweep_interval = sweep_interval or settings.redis_recovery_interval_seconds
        self.client = redis_client.connect(settings.redis_url)
        self.queue_client = redis_client.connect(
            settings.redis_url, block_seconds=settings.redis_block_seconds
        )
        self.probe_client = redis_client.connect_probe(settings.redis_url)
        self.consumer = Consumer(
            client=self.client,
            queue_client=self.queue_client,
            store=store,
            agent_id=self.agent.agent_id,
            namespace=settings.namespace,
            domain=settings.domain,
            max_in_flight=settings.max_in_flight,
            max_description_chars=settings.max_description_chars,
            block_seconds=settings.redis_block_seconds,
            shared_workspace=SharedWorkspace(
                settings.shared_workspace_claim, settings.shared_workspace_root
            )
            if settings.shared_workspace_claim
            else None,
            result_ttl=settings.result_ttl_seconds,
            dead_letter_max=settings.dead_letter_max,
        )
        self.heartbeat = Heartbeat(
            self.client,
            self.agent,
            interval=self.heartbeat_interval,
            status=self.status,
            on_result=lambda error: self._mark(error is None, error),
        )
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._reachable = False

    # --- readiness ----------------------------------------------------------------------

    @property
    def redis_reachable(self) -> bool:
        return self._reachable

    def check_redis(self) -> str | None:
        """Ping Redis now (for the readiness endpoint): None when it answers, else why."""
        try:
            redis_client.ping(self.probe_client)
        except RedisUnavailableError as exc:
            self._mark(False, exc)
            return str(exc)
        self._mark(True)
        return None

    def _mark(self, reachable: bool, error: BaseException | None = None) -> None:
        if not reachable:
            self.consumer.publishing.owe()  # whatever was published meanwhile may be lost
        if reachable and not self._reachable:
            logger.info("Redis is reachable")
        elif not reachable and self._reachable:
            logger.warning("Redis is unreachable: %s", error)
        self._reachable = reachable

    def status(self) -> str:
        """`active` while running, even at the in-flight cap: the network's client routes
        only to `active` orchestrators, and a full one still queues work for later
        (`tasks:pending` is the backlog). `busy` would make the domain undiscoverable."""
        if self._stop.is_set():
            return registry.STATUS_STOPPING
        return registry.STATUS_ACTIVE

    # --- life cycle ---------------------------------------------------------------------

    def start(self) -> None:
        try:
            self.heartbeat.beat()  # registered before the first task is taken
            self._mark(True)
        except RedisUnavailableError as exc:  # the heartbeat loop registers when Redis is back
            self._mark(False, exc)
        self.heartbeat.start()
        loops: Mapping[str, Callable[[], None]] = {
            "consumer": self._consume_loop,
            "sweeper": self._sweep_loop,
        }
        for name, target in loops.items():
            thread = threading.Thread(target=target, name=f"bridge-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        logger.info("Redis bridge started as %s", self.agent.agent_id)

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the loops, then deregister (a clean shutdown)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self.heartbeat.stop(deregister=True, timeout=timeout)
        self.client.close()
        self.queue_client.close()
        self.probe_client.close()
        logger.info("Redis bridge stopped")

    def seen(self, body: Mapping[str, Any], *, deleted: bool = False) -> None:
        """Every task event, in the event loop (no I/O): the in-flight count's view."""
        self.consumer.seen(body, deleted=deleted)

    def has_work(self, body: Mapping[str, Any], *, deleted: bool = False) -> bool:
        """Whether `observe` would do anything for this body (answered in the event loop,
        so finished and foreign tasks, and events with no new milestone, cost no thread
        hop and no copy)."""
        if not has_redis_work(body, intake_namespace=self.settings.namespace):
            return False
        return deleted or self.consumer.has_news(body)

    def observe(self, body: Mapping[str, Any], *, deleted: bool = False) -> None:
        """From the kopf event handler: milestones and final results, now."""
        try:
            self.consumer.observe(body, deleted=deleted)  # the sweep's way: one memory
            self._mark(True)
        except RedisUnavailableError as exc:  # the sweeper publishes it when Redis is back
            self._mark(False, exc)
        except AdapterError as exc:
            self.consumer.publishing.owe()
            logger.warning("observing %s: %s", (body.get("metadata") or {}).get("name"), exc)

    # --- loops --------------------------------------------------------------------------

    def _guarded(self, step: Callable[[], object], backoff: Backoff, what: str) -> bool:
        """Run one step; on failure wait the backoff (interruptibly). True on success."""
        try:
            step()
        except RedisUnavailableError as exc:
            self._mark(False, exc)
            self._stop.wait(backoff.failed())
            return False
        except AdapterError as exc:
            logger.warning("%s: %s", what, exc)
            self._stop.wait(backoff.failed())
            return False
        except Exception:
            logger.exception("%s failed", what)
            self._stop.wait(backoff.failed())
            return False
        self._mark(True)
        backoff.reset()
        return True

    def _consume_loop(self) -> None:
        backoff = Backoff()
        while not self._stop.is_set():
            self._guarded(self._consume_step, backoff, "taking a task")

    def _consume_step(self) -> None:
        if self.consumer.at_capacity():
            self._stop.wait(1.0)  # others may take meanwhile; re-checked every second
            return
        self.consumer.take_one()

    def _sweep_loop(self) -> None:
        backoff = Backoff()
        while not self._stop.is_set():
            if self._guarded(self._sweep, backoff, "sweeping tasks"):
                self._stop.wait(self.sweep_interval)

    def _sweep(self) -> None:
        self.consumer.recover()
        self.consumer.publish_pending_when_due()
        self.consumer.refresh_in_flight()
