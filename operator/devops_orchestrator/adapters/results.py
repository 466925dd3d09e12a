"""Worker results, read from where the workers store them.

Each worker attempt writes a ConfigMap `<job-name>-result` in the task's namespace,
labelled with the task and `component=result`, holding `result.json` (a WorkerResult)
and, when the attempt failed, `error` (a readable reason). This is the only module
that knows that layout."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from pydantic import ValidationError

from devops_orchestrator.adapters import kube
from devops_orchestrator.constants import (
    ERROR_DATA_KEY,
    LABEL_COMPONENT,
    LABEL_TASK,
    RESULT_CONFIGMAP_SUFFIX,
    RESULT_DATA_KEY,
    USAGE_DATA_KEY,
)
from devops_orchestrator.core.jobs import build_task_label_value
from devops_orchestrator.models import TokenUsage, WorkerResult

RESULT_SUFFIX = RESULT_CONFIGMAP_SUFFIX
RESULT_KEY = RESULT_DATA_KEY
ERROR_KEY = ERROR_DATA_KEY


@dataclass(frozen=True)
class StoredResults:
    """By Job name: the results workers stored, and the errors they reported (or that
    reading their result ran into)."""

    results: dict[str, WorkerResult] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    usages: dict[str, TokenUsage] = field(default_factory=dict)  # of failed attempts


def result_selector(task_name: str) -> str:
    return f"{LABEL_TASK}={build_task_label_value(task_name)},{LABEL_COMPONENT}=result"


def parse_result_configmap(data: dict[str, str]) -> tuple[WorkerResult | None, str | None]:
    """The result and the error stored in one result ConfigMap's `data` (pure)."""
    error = data.get(ERROR_KEY) or None
    raw = data.get(RESULT_KEY)
    if raw is None:
        return None, error
    try:
        return WorkerResult.model_validate(json.loads(raw)), error
    except (ValueError, ValidationError) as exc:
        reason = f"unreadable {RESULT_KEY}: {str(exc).splitlines()[0]}"
        return None, f"{error}; {reason}" if error else reason


def parse_usage(data: dict[str, str]) -> TokenUsage | None:
    """What a failed attempt spent (`usage.json`), None when absent or unreadable (pure)."""
    raw = data.get(USAGE_DATA_KEY)
    if raw is None:
        return None
    try:
        return TokenUsage.model_validate_json(raw)
    except ValidationError:
        return None


def read_results(namespace: str, task_name: str, task_uid: str = "") -> StoredResults:
    """Every result stored for the task's worker attempts, keyed by Job name. With
    `task_uid`, ConfigMaps owned by another task of the same name are left out."""
    stored = StoredResults()
    for cm in kube.list_configmaps(namespace, result_selector(task_name)):
        meta = cm.get("metadata", {})
        name: str = meta.get("name", "")
        owners = {owner.get("uid") for owner in meta.get("ownerReferences") or []}
        if not name.endswith(RESULT_SUFFIX) or (task_uid and owners and task_uid not in owners):
            continue
        job_name = name[: -len(RESULT_SUFFIX)]
        result, error = parse_result_configmap(cm.get("data") or {})
        usage = parse_usage(cm.get("data") or {})
        if usage is not None:
            stored.usages[job_name] = usage
        if result is not None:
            stored.results[job_name] = result
        if error:
            stored.errors[job_name] = error
    return stored
