"""The registry heartbeat as a loop: renew `agents:heartbeat:{id}` (and the whole entry)
every `interval` seconds until stopped, surviving Redis outages."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from devops_orchestrator.adapters import registry
from devops_orchestrator.adapters.errors import RedisUnavailableError
from devops_orchestrator.adapters.redis_client import Client

logger = logging.getLogger(__name__)


class Heartbeat:
    def __init__(
        self,
        client: Client,
        agent: registry.Agent,
        *,
        interval: float,
        status: Callable[[], str],
        on_result: Callable[[BaseException | None], None] = lambda _: None,
    ) -> None:
        self.client = client
        self.agent = agent
        self.interval = interval
        self.status = status
        self.on_result = on_result  # None on success, the error otherwise
        self.beats = 0
        self._registered = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        """One renewal; the first one (re)creates the entry with a fresh created_at."""
        now = datetime.now(UTC)
        if not self._registered:
            registry.register(self.client, self.agent, now=now)
            self._registered = True
        registry.heartbeat(self.client, self.agent, status=self.status(), now=now)
        self.beats += 1

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.beat()
                self.on_result(None)
            except RedisUnavailableError as exc:
                self.on_result(exc)
            self._stop.wait(self.interval)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="bridge-heartbeat", daemon=True)
        self._thread.start()

    def stop(self, *, deregister: bool = True, timeout: float = 10.0) -> None:
        """Stop beating; on a clean shutdown say `stopping`, then leave the registry."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if not deregister:
            return
        try:
            now = datetime.now(UTC)
            registry.heartbeat(self.client, self.agent, status=registry.STATUS_STOPPING, now=now)
            registry.deregister(self.client, self.agent)
        except RedisUnavailableError as exc:
            logger.warning("could not deregister %s: %s", self.agent.agent_id, exc)
