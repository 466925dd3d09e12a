"""What the orchestrator tells one worker: the task plus what earlier stages produced."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from devops_orchestrator.core.aggregate import build_deployment_info
from devops_orchestrator.models import (
    AgentDefinition,
    Briefing,
    DevOpsTaskSpec,
    TaskBudget,
    WorkerResult,
)

_MAX_FILES_LISTED = 50
_MAX_FILES_PASSED = 200
_MAX_ISSUES_PASSED = 20
_MAX_EXTRA_BYTES = 8 * 1024
# Of a worker's own result fields only those its definition declares `downstream` reach
# later stages (the briefing rides in the worker's Job, core.briefing_file: small keeps it
# cheap, and it must stay under the pod's annotation limit).


def build_prompt(
    spec: DevOpsTaskSpec,
    worker: str,
    previous_results: Mapping[str, WorkerResult],
    brief: str = "",
) -> str:
    """The brief for `worker`, written as a domain orchestrator would hand over work;
    `brief` is the planner's one line on this worker's part."""
    lines = [f"You are the {worker} of the DevOps domain. Your part of the task:", ""]
    if brief.strip():
        lines += [f"Your part: {brief.strip()}", ""]
    lines += [f"Task: {spec.description.strip()}"]
    if spec.requirements:
        lines += ["", "Requirements:", *(f"- {item}" for item in spec.requirements)]
    if spec.context:
        # Characters as they are: \uXXXX escapes would triple a non-ASCII context's size
        # in the briefing, and the model reads them no better.
        context = json.dumps(spec.context, sort_keys=True, default=str, ensure_ascii=False)
        lines += ["", f"Context: {context}"]
    if previous_results:
        lines += ["", "Earlier stages already did this (build on it, do not redo it):"]
        for name, result in previous_results.items():
            lines += _render_previous(name, result)
        info = build_deployment_info(previous_results)
        if info:
            lines += ["", "Known so far: " + json.dumps(info, sort_keys=True, default=str)]
    lines += ["", "Do only the part that belongs to your role; report files and issues."]
    return "\n".join(lines)


def _render_previous(name: str, result: WorkerResult) -> list[str]:
    lines = [f"- {name}: {result.summary.strip() or '(no summary)'}"]
    files = [*result.files_created, *result.files_modified]
    if files:
        shown = ", ".join(files[:_MAX_FILES_LISTED])
        more = len(files) - _MAX_FILES_LISTED
        lines.append(f"  files: {shown}" + (f" (and {more} more)" if more > 0 else ""))
    return lines


def build_briefing(
    *,
    spec: DevOpsTaskSpec,
    task_name: str,
    task_uid: str,
    namespace: str,
    worker: str,
    attempt: int,
    job_name: str,
    result_configmap: str,
    previous_results: Mapping[str, WorkerResult],
    definitions: Sequence[AgentDefinition],
    brief: str = "",
    deadline: datetime | None = None,
    budget: TaskBudget | None = None,
) -> Briefing:
    """The full Briefing a worker Job receives (a file: core.briefing_file)."""
    context: dict[str, Any] = dict(spec.context)
    downstream = {definition.name: definition.downstream for definition in definitions}
    return Briefing(
        task_name=task_name,
        task_uid=task_uid,
        namespace=namespace,
        worker=worker,
        attempt=attempt,
        job_name=job_name,
        description=spec.description,
        requirements=list(spec.requirements),
        context=context,
        engine=spec.engine,
        workspace=spec.workspace,
        previous_results={
            w: compact_for_briefing(r, downstream.get(w, ())) for w, r in previous_results.items()
        },
        prompt=build_prompt(spec, worker, previous_results, brief),
        result_configmap=result_configmap,
        deadline=deadline,
        budget=budget,
    )


def compact_for_briefing(result: WorkerResult, passed: Collection[str]) -> WorkerResult:
    """An earlier worker's result cut to what a later worker needs: the common fields
    and the worker's own fields named in `passed` (its definition's `downstream`)."""
    extras = result.model_extra or {}
    kept = {
        key: extras[key]
        for key in passed
        if key in extras and len(json.dumps(extras[key], default=str)) <= _MAX_EXTRA_BYTES
    }
    return WorkerResult(
        files_created=result.files_created[:_MAX_FILES_PASSED],
        files_modified=result.files_modified[:_MAX_FILES_PASSED],
        summary=result.summary[:2000],
        issues=result.issues[:_MAX_ISSUES_PASSED],
        **kept,
    )
