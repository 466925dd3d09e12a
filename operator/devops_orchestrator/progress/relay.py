"""The followers of running worker Jobs: started when a Job's pod runs, stopped when the
Job finishes or goes away, at most `max_followers` at once.

Called from a kopf event handler, so `on_job` does no I/O: a follower does its own (a
pod list, a task read for Redis tasks, the log stream) on its thread. What is kept per
Job lives only until that Job's finish (or deletion) is seen; nothing of a finished
worker stays."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from devops_orchestrator.adapters.errors import AdapterError
from devops_orchestrator.adapters.redis_client import Client
from devops_orchestrator.adapters.tasks import WatchedTask, get_task
from devops_orchestrator.core.answering import publish_task_id
from devops_orchestrator.core.progress_jobs import (
    FollowAction,
    FollowTarget,
    build_follow_target,
    follow_action,
)
from devops_orchestrator.core.progress_throttle import Throttle
from devops_orchestrator.progress.channels import Channel, EventChannel, RedisChannel
from devops_orchestrator.progress.follower import Follower

logger = logging.getLogger(__name__)

STOP_TIMEOUT_SECONDS = 5.0
PRUNE_AT_FACTOR = 4  # ended followers are kept (as markers) up to this many times the cap


@dataclass(frozen=True)
class RelayLimits:
    lines: Throttle  # the Redis log list
    events: Throttle  # Events on the task
    max_followers: int
    intake_namespace: str  # where the bridge creates the tasks it took


class ProgressRelay:
    def __init__(
        self,
        limits: RelayLimits,
        redis: Client | None,
        secrets: Sequence[str] = (),
        watched: WatchedTask | None = None,
    ) -> None:
        self.limits = limits
        self.redis = redis
        self.secrets = tuple(secrets)
        self.watched = watched  # the operator's view of its unfinished tasks: no GET
        self._followers: dict[str, Follower] = {}  # by Job uid, unfinished Jobs only
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._followers)

    def on_job(self, event_type: str | None, job: Mapping[str, Any]) -> None:
        """A watch event of one of our worker Jobs (kopf: type None at start-up)."""
        action = follow_action(event_type, job)
        if action is FollowAction.NONE:
            return
        uid = str((job.get("metadata") or {}).get("uid") or "")
        if action is FollowAction.STOP:
            with self._lock:
                gone = self._followers.pop(uid, None)
            if gone is not None:
                gone.stop()
            return
        target = build_follow_target(job)
        if target is None:
            return
        with self._lock:
            if uid in self._followers:
                return
            self._prune()
            if sum(not f.done for f in self._followers.values()) >= self.limits.max_followers:
                logger.debug("progress of %s not followed: %d followers", uid, len(self._followers))
                return
            follower = Follower(
                target,
                self._open_channels,
                resumed=event_type is None,
                secrets=self.secrets,
                on_end=self._ended,
            )
            self._followers[uid] = follower
        follower.start()

    def _prune(self) -> None:
        """Forget ended followers past a bound (the lock is held): a Job whose finish was
        never seen (deleted while the watch was down) must not stay for ever."""
        if len(self._followers) < PRUNE_AT_FACTOR * self.limits.max_followers:
            return
        for uid in [uid for uid, f in self._followers.items() if f.done]:
            del self._followers[uid]

    def _ended(self, follower: Follower) -> None:
        """A follower's thread ends. One that found no running pod is forgotten, so the
        Job's next event tries again; one that read its pod stays (as a marker that its
        lines were relayed) until the Job's finish is seen."""
        if follower.found_pod:
            return
        with self._lock:
            if self._followers.get(follower.target.job_uid) is follower:
                del self._followers[follower.target.job_uid]

    def _open_channels(self, target: FollowTarget) -> list[Channel]:
        channels: list[Channel] = [EventChannel(target, self.limits.events)]
        task_id = self._redis_task_id(target)
        if task_id is not None and self.redis is not None:
            channels.append(RedisChannel(target, self.limits.lines, self.redis, task_id))
        return [c for c in channels if not c.closed]

    def _redis_task_id(self, target: FollowTarget) -> str | None:
        """The Redis id the task answers under, while its result is not out."""
        if self.redis is None:
            return None
        key = (target.namespace, target.task_name)
        task = self.watched(key) if self.watched is not None else None
        try:
            task = task if task is not None else get_task(*key)
        except AdapterError as exc:
            logger.info("progress of %s: task not read: %s", target.job_name, exc)
            return None
        if task is None or (task.get("metadata") or {}).get("uid") != target.task_uid:
            return None
        # Whether the result is out is checked by the write itself (the bridge's marker).
        return publish_task_id(task, intake_namespace=self.limits.intake_namespace)

    def stop(self) -> None:
        with self._lock:
            followers = list(self._followers.values())
            self._followers.clear()
        for follower in followers:
            follower.stop()
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for follower in followers:
            follower.join(max(0.0, deadline - time.monotonic()))
