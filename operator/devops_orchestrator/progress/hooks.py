"""kopf hooks of the progress relay: start and stop it with the operator, and feed it
the events of our worker Jobs (`job_progress`, called by the Job handler of `handlers`)."""

from __future__ import annotations

import asyncio
from typing import Any

import kopf

from devops_orchestrator.adapters import redis_client
from devops_orchestrator.adapters.tasks import WatchedTask
from devops_orchestrator.config import Secrets, Settings, get_settings
from devops_orchestrator.core.progress_throttle import Throttle
from devops_orchestrator.progress.relay import ProgressRelay, RelayLimits

_state: dict[str, ProgressRelay] = {}


def build_relay(settings: Settings, watched: WatchedTask | None = None) -> ProgressRelay:
    limits = RelayLimits(
        lines=Throttle(settings.progress_interval_seconds, settings.progress_max_lines),
        events=Throttle(settings.progress_event_interval_seconds, settings.progress_max_events),
        max_followers=settings.progress_max_followers,
        intake_namespace=settings.namespace,
    )
    redis = redis_client.connect(settings.redis_url) if settings.redis_url else None
    key = Secrets().anthropic_api_key
    return ProgressRelay(limits, redis, [key.get_secret_value()] if key else [], watched)


@kopf.on.startup()
async def start_progress(logger: kopf.Logger, memo: Any, **_: Any) -> None:
    settings = get_settings()
    if not settings.progress_enabled:
        logger.info("DEVOPS_PROGRESS_ENABLED is false: worker progress is not relayed")
        return
    reconciler = memo.get("reconciler")  # its watched tasks spare a GET per follower
    _state["relay"] = build_relay(settings, reconciler.watched.task if reconciler else None)


@kopf.on.cleanup()
async def stop_progress(**_: Any) -> None:
    relay = _state.pop("relay", None)
    if relay is not None:
        await asyncio.to_thread(relay.stop)
        if relay.redis is not None:
            relay.redis.close()


def job_progress(body: kopf.Body, event_type: str | None) -> None:
    """A watch event of one of our worker Jobs (from `handlers.owned_job_event`)."""
    relay = _state.get("relay")
    if relay is not None:
        relay.on_job(event_type, body)
