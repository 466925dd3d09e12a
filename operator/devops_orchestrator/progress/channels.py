"""Where a worker's progress goes: the task's Redis log list (tasks we answer for in
Redis, until their result is out) and Events on the DevOpsTask (every task). Each
channel has its own gate (`core.progress_throttle`) and learns the task's count of lines
from where they are kept, so the per-task cap holds across workers, attempts and
operator restarts. A failed write is logged and the line dropped: progress never stops
anything."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from datetime import datetime

from devops_orchestrator.adapters import network_results, progress_events
from devops_orchestrator.adapters.errors import AdapterError
from devops_orchestrator.adapters.redis_client import Client
from devops_orchestrator.core.progress import ToolCall, render_progress
from devops_orchestrator.core.progress_event import (
    build_progress_event,
    build_progress_event_selector,
)
from devops_orchestrator.core.progress_jobs import FollowTarget
from devops_orchestrator.core.progress_throttle import Gate, Throttle, admit, with_task_count
from devops_orchestrator.core.redis_result import format_log_line

logger = logging.getLogger(__name__)


class Channel(ABC):
    name = "channel"

    def __init__(self, target: FollowTarget, throttle: Throttle) -> None:
        self.target = target
        self.throttle = throttle
        self.gate = Gate()
        self.closed = throttle.cap <= 0
        self.sent = 0
        self._warned = False

    def offer(self, call: ToolCall, now: float, wall: datetime) -> None:
        """One tool call of the worker: relayed now, or held for the next line."""
        if self.closed:
            return
        self.gate, held = admit(self.gate, self.throttle, now)
        if held is None:
            return
        try:
            if self.send(render_progress(self.target.worker, call, held), wall):
                self.sent += 1
        except AdapterError as exc:
            level = logging.DEBUG if self._warned else logging.WARNING
            self._warned = True
            logger.log(
                level, "progress of %s to %s dropped: %s", self.target.job_name, self.name, exc
            )

    @abstractmethod
    def send(self, text: str, wall: datetime) -> bool:
        """Write one line; whether it was written."""


class RedisChannel(Channel):
    name = "redis"

    def __init__(
        self, target: FollowTarget, throttle: Throttle, client: Client, task_id: str
    ) -> None:
        super().__init__(target, throttle)
        self.client = client
        self.task_id = task_id

    def send(self, text: str, wall: datetime) -> bool:
        line = format_log_line(wall, text)
        count = network_results.log_progress(self.client, self.task_id, line, self.throttle.cap)
        if count < 0:  # the result is out: the list is the producer's record now
            self.closed = True
        self.gate = with_task_count(self.gate, self.throttle.cap if count <= 0 else count)
        return count > 0


class EventChannel(Channel):
    name = "events"

    def __init__(self, target: FollowTarget, throttle: Throttle) -> None:
        super().__init__(target, throttle)
        self._counted = False

    def send(self, text: str, wall: datetime) -> bool:
        target = self.target
        if not self._counted:  # one list per worker attempt, and only once it has news
            selector = build_progress_event_selector(target)
            posted = progress_events.count_events(target.namespace, selector)
            self._counted = True
            self.gate = with_task_count(self.gate, posted + 1)
            if posted >= self.throttle.cap:
                self.closed = True
                return False
        progress_events.create_event(target.namespace, build_progress_event(target, text, wall))
        return True
