"""kopf hooks of the Redis bridge: start and stop it with the operator, feed it every
DevOpsTask event (`task_event`, called by the task handler of `handlers`), report Redis
reachability in the health probe and in readiness (`readiness`, served as `/readyz` by
the metrics server)."""

from __future__ import annotations

import asyncio
from typing import Any

import kopf

from devops_orchestrator.adapters.tasks import KubeTaskStore
from devops_orchestrator.bridge.runtime import Bridge
from devops_orchestrator.config import get_settings

_state: dict[str, Bridge] = {}


def current_bridge() -> Bridge | None:
    """The running bridge (None when Redis is not configured or not started yet)."""
    return _state.get("bridge")


def redis_ready() -> bool | None:
    """Readiness for a health endpoint: None = no Redis configured."""
    bridge = current_bridge()
    return None if bridge is None else bridge.redis_reachable


def readiness() -> tuple[bool, str]:
    """For `/readyz`: ready unless Redis is configured and does not answer (a live ping)."""
    if not get_settings().redis_url:
        return True, "ready (no Redis configured)"
    bridge = current_bridge()
    if bridge is None:
        return False, "not ready: the Redis bridge is starting"
    error = bridge.check_redis()
    if error is not None:
        return False, f"not ready: Redis is unreachable ({error})"
    return True, "ready: Redis is reachable"


@kopf.on.startup()
async def start_bridge(logger: kopf.Logger, memo: Any, **_: Any) -> None:
    settings = get_settings()
    if not settings.redis_url:
        logger.info("DEVOPS_REDIS_URL is empty: the Redis bridge is off")
        return
    # The reconciler's watched tasks spare the bridge a GET per task in flight per sweep.
    reconciler = memo.get("reconciler")
    watched = reconciler.watched.task if reconciler is not None else None
    # ... and, while kopf never pauses that watch (no peering), the in-flight count's
    # LIST every INFLIGHT_REFRESH_SECONDS. A peered standby's view is stale: it lists.
    live = reconciler.watched.tasks_in if reconciler is not None and not settings.peering else None
    store = KubeTaskStore(tuple(settings.watch_namespaces), watched, live)
    bridge = Bridge(settings, store)
    await asyncio.to_thread(bridge.start)
    _state["bridge"] = bridge


@kopf.on.cleanup()
async def stop_bridge(**_: Any) -> None:
    bridge = _state.pop("bridge", None)
    if bridge is not None:
        await asyncio.to_thread(bridge.stop)


async def task_event(body: kopf.Body, event_type: str | None) -> None:
    """A watch event of a DevOpsTask (from `handlers.task_watched`)."""
    bridge = current_bridge()
    deleted = event_type == "DELETED"
    if bridge is None:
        return
    bridge.seen(body, deleted=deleted)
    if not bridge.has_work(body, deleted=deleted):
        return  # most events: thousands of finished tasks at start-up cost no thread hop
    await asyncio.to_thread(bridge.observe, dict(body), deleted=deleted)


@kopf.on.probe(id="redis")
def redis_probe(**_: Any) -> str:
    ready = redis_ready()
    return "disabled" if ready is None else ("reachable" if ready else "unreachable")
