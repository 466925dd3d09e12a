"""What the adapters read (a DevOpsTask, its Jobs, the workers' stored results) -> the
observation the decision takes. Pure: JSON in (camelCase, as the API returns it),
dataclasses out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from devops_orchestrator.constants import ANNOTATION_RETRY, LABEL_ATTEMPT, LABEL_WORKER
from devops_orchestrator.core.decision import InvalidSpec, Observation, ObservedJob
from devops_orchestrator.core.status import parse_time
from devops_orchestrator.models import (
    AgentDefinition,
    DevOpsTaskSpec,
    TaskBudget,
    TokenUsage,
    WorkerResult,
)

# Job failure reasons that mean the worker's container exited non-zero (its log says why).
_CRASH_REASONS = frozenset({"BackoffLimitExceeded", "PodFailurePolicy"})


def _job_condition(job: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("type") == kind and cond.get("status") == "True":
            return dict(cond)
    return None


def is_owned_by(obj: Mapping[str, Any], uid: str) -> bool:
    owners = obj.get("metadata", {}).get("ownerReferences") or []
    return any(owner.get("uid") == uid for owner in owners)


def is_crashed(job: Mapping[str, Any]) -> bool:
    """Failed because its container exited non-zero (not a deadline, not a deletion)."""
    failed = _job_condition(job, "Failed")
    return failed is not None and failed.get("reason") in _CRASH_REASONS


def build_log_excerpt(log: str, limit: int = 300) -> str:
    """The last non-blank lines of a crashed worker's log, joined, at most `limit` long."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    text = " | ".join(lines[-3:])
    return text if len(text) <= limit else "..." + text[-(limit - 3) :]


def build_observed_job(job: Mapping[str, Any], errors: Mapping[str, str]) -> ObservedJob:
    """An owned Job as the decision sees it. A Job being deleted before it finished
    (stopped by us or by a person) counts as failed with reason `Deleted`."""
    meta = job.get("metadata", {})
    labels = meta.get("labels") or {}
    name: str = meta.get("name", "")
    status = job.get("status") or {}
    complete = _job_condition(job, "Complete")
    failed = _job_condition(job, "Failed")
    deleting = bool(meta.get("deletionTimestamp")) and not complete and not failed
    try:
        attempt = int(labels.get(LABEL_ATTEMPT, "1"))
    except ValueError:
        attempt = 1
    finished_at = parse_time(status.get("completionTime"))
    if failed is not None:
        finished_at = parse_time(failed.get("lastTransitionTime"))
    failure_message = errors.get(name)
    if failure_message is None and failed is not None:
        failure_message = failed.get("message")
    return ObservedJob(
        name=name,
        worker=labels.get(LABEL_WORKER, ""),
        attempt=attempt,
        active=complete is None and failed is None and not deleting,
        succeeded=complete is not None,
        failed=failed is not None or deleting,
        start_time=parse_time(status.get("startTime")),
        completion_time=finished_at,
        failure_reason=(failed or {}).get("reason") or ("Deleted" if deleting else None),
        failure_message=failure_message if (failed is not None or deleting) else None,
    )


def describe_invalid_spec(exc: ValidationError) -> str:
    return f"invalid spec: {str(exc).splitlines()[0]} ({exc.error_count()} errors)"


def build_observation(
    task: Mapping[str, Any],
    jobs: Sequence[Mapping[str, Any]],
    results: Mapping[str, WorkerResult],
    errors: Mapping[str, str],
    definitions: Sequence[AgentDefinition],
    now: datetime,
    usages: Mapping[str, TokenUsage] | None = None,
    budget_defaults: TaskBudget | None = None,
) -> Observation | InvalidSpec:
    """The task as the decision sees it; `jobs` are the Jobs it owns, `results` and
    `errors` (by Job name) what its workers stored or why they failed."""
    meta = task.get("metadata", {})
    status = dict(task.get("status") or {})
    generation = int(meta.get("generation") or 0)
    try:
        spec = DevOpsTaskSpec.model_validate(task.get("spec") or {})
    except ValidationError as exc:
        return InvalidSpec(generation, status, describe_invalid_spec(exc), now)
    observed = sorted(
        (build_observed_job(job, errors) for job in jobs),
        key=lambda j: (j.worker, j.attempt, j.name),
    )
    return Observation(
        name=meta["name"],
        namespace=meta["namespace"],
        uid=meta.get("uid", ""),
        generation=generation,
        spec=spec,
        status=status,
        created_at=parse_time(meta.get("creationTimestamp")) or now,
        retry_token=(meta.get("annotations") or {}).get(ANNOTATION_RETRY),
        jobs=tuple(observed),
        results=dict(results),
        definitions=tuple(definitions),
        now=now,
        usages=dict(usages or {}),
        budget_defaults=budget_defaults,
    )
