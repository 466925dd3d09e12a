"""The types of one reconcile pass: what was observed, and what to do about it.

`core.decide.decide(Observation | InvalidSpec) -> Decision` is pure; `core.observe`
builds the observation from what the adapters read, `reconcile.py` carries out the
Decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devops_orchestrator.core.routing import RoutingDecision
from devops_orchestrator.models import (
    AgentDefinition,
    Briefing,
    DevOpsTaskSpec,
    TaskBudget,
    TokenUsage,
    WorkerResult,
)


@dataclass(frozen=True)
class ObservedJob:
    """A worker Job owned by the task, as the cluster reports it."""

    name: str
    worker: str
    attempt: int
    active: bool  # pods still running or pending
    succeeded: bool  # condition Complete
    failed: bool  # condition Failed (backoff exhausted, deadline, ...)
    start_time: datetime | None = None
    completion_time: datetime | None = None
    failure_reason: str | None = None  # e.g. "DeadlineExceeded", "BackoffLimitExceeded"
    failure_message: str | None = None  # the worker's own error when it told us


@dataclass(frozen=True)
class Observation:
    name: str
    namespace: str
    uid: str
    generation: int
    spec: DevOpsTaskSpec
    status: dict[str, Any]  # the current status, as stored
    created_at: datetime
    retry_token: str | None  # value of the retry annotation
    jobs: tuple[ObservedJob, ...]
    results: dict[str, WorkerResult]  # by Job name: results the workers stored
    definitions: tuple[AgentDefinition, ...]
    now: datetime
    # The Claude planner's decision, made by the I/O pass when the task has no plan yet;
    # None: the deterministic planner decides here.
    routing: RoutingDecision | None = None
    # By Job name: what failed attempts spent (a result carries its own usage).
    usages: dict[str, TokenUsage] = field(default_factory=dict)
    budget_defaults: TaskBudget | None = None  # the operator's, for tasks without one


@dataclass(frozen=True)
class InvalidSpec:
    """A task whose spec our models refuse (the CRD schema should have): nothing but a
    Failed status can be decided for it."""

    generation: int
    status: dict[str, Any]
    message: str
    now: datetime


@dataclass(frozen=True)
class JobToCreate:
    worker: str
    attempt: int
    job_name: str
    briefing: Briefing
    deadline_seconds: int  # activeDeadlineSeconds: the task's remaining time


@dataclass(frozen=True)
class EventToEmit:
    type: str  # "Normal" or "Warning"
    reason: str
    message: str


@dataclass(frozen=True)
class Decision:
    status: dict[str, Any]  # the whole new status
    status_patch: dict[str, Any]  # its merge patch over the stored one: the pass's one write
    create: tuple[JobToCreate, ...] = ()
    stop: tuple[str, ...] = ()  # names of Jobs to delete (cancel, deadline)
    events: tuple[EventToEmit, ...] = ()
    requeue_after: float | None = None  # seconds until the next timed check is needed
    finished: bool = False  # the task reached a final phase in this pass
    # This pass chose the task's workers (deterministically, or with `Observation.routing`):
    # the I/O pass may ask the Claude planner and decide again with its answer.
    routed: bool = False

    @property
    def changed(self) -> bool:
        """Whether the pass writes the status."""
        return bool(self.status_patch)
