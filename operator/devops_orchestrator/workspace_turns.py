"""Taking turns on a shared workspace, for the reconcile pass (I/O, thin).

A task on a claim's subPath asks the claim's writer table for its turn before it
decides anything (core.workspace_gate turns a refusal into a waiting or failed status),
and leaves the table once it is final. Tasks without a shared volume cost nothing."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from devops_orchestrator.adapters import workspace_writers
from devops_orchestrator.config import get_settings
from devops_orchestrator.core.decision import Decision, InvalidSpec, Observation
from devops_orchestrator.core.status import is_final
from devops_orchestrator.core.workspace_gate import (
    build_writer,
    claim_of,
    describe_workspace,
    gate,
)
from devops_orchestrator.core.workspace_lock import LockDecision, describe_wait

logger = logging.getLogger(__name__)


def take_turn(
    task: Mapping[str, Any], obs: Observation | InvalidSpec, now: datetime
) -> Decision | None:
    """None when the task may go on to `decide`; else what it decides while it waits
    (or once it gave up waiting)."""
    if not isinstance(obs, Observation) or is_final(obs.status):
        return None
    writer = build_writer(task, obs.spec, now)
    where = claim_of(obs.spec)
    if writer is None or where is None:
        return None
    wait = get_settings().workspace_wait_seconds
    lock = workspace_writers.ensure_writer(
        obs.namespace, where[0], writer, now=now, max_wait_seconds=wait
    )
    _log(obs, lock, wait)
    return gate(obs, lock, max_wait_seconds=wait)


def _log(obs: Observation, lock: LockDecision, wait: float) -> None:
    if lock.granted:
        return
    text = describe_wait(lock, describe_workspace(obs.spec), wait)
    if lock.timed_out or lock.waited_seconds == 0:  # once when it starts waiting, once at the end
        logger.info("%s/%s: %s", obs.namespace, obs.name, text)


def end_turn(obs: Observation | InvalidSpec, decision: Decision) -> None:
    """Leave the writer table once the task is final (idempotent)."""
    if not isinstance(obs, Observation):
        return
    where = claim_of(obs.spec)
    if where is not None and (decision.finished or is_final(obs.status)):
        workspace_writers.release_writer(obs.namespace, where[0], obs.uid)
