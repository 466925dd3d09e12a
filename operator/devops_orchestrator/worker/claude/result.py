"""The worker's result arrives as the input of one tool, `submit_result`, never as text.

Its input schema is built from `WorkerResult` (the fields a model may set) plus the
worker's own fields, read from the example result object in its definition's prompt
(docker_config, build_commands, ...). A submission that does not validate is answered
with an `is_error` tool result that says what is wrong, so the model can fix it."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from anthropic.types import ToolParam
from pydantic import TypeAdapter, ValidationError

from devops_orchestrator.models import AgentDefinition, Severity, WorkerResult

SUBMIT_TOOL = "submit_result"

# Fields the engine and the worker process set; whatever the model says about them is
# dropped.
ENGINE_FIELDS = frozenset(
    {
        "engine",
        "model",
        "usage",
        "git_branch",
        "git_commit",
        "artifacts_configmap",
        "artifacts_truncated",
        "budget_exceeded",
    }
)

_DESCRIPTIONS = {
    "summary": "What you did, in a few sentences.",
    "files_created": "Workspace-relative paths of the files you created.",
    "files_modified": "Workspace-relative paths of existing files you changed.",
    "issues": "Problems left, validator findings you could not fix, assumptions a "
    "person must check.",
}
_ISSUE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "severity": {"type": "string", "enum": [s.value for s in Severity]},
        "message": {"type": "string", "minLength": 1},
        "file": {"type": "string"},
        "line": {"type": "integer"},
        "validator": {"type": "string"},
        "rule": {"type": "string"},
    },
    "required": ["message"],
}
_FENCE = re.compile(r"```json[ \t]*\r?\n(.*?)```", re.DOTALL)
_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


class ResultError(ValueError):
    """A submission that is not a usable result; the message is meant for the model."""


def _base_properties() -> dict[str, Any]:
    """The schema of every `WorkerResult` field a model may set."""
    properties: dict[str, Any] = {}
    for name, field in WorkerResult.model_fields.items():
        if name in ENGINE_FIELDS:
            continue
        if name == "issues":
            schema: dict[str, Any] = {"type": "array", "items": _ISSUE_SCHEMA}
        else:
            schema = TypeAdapter[Any](field.annotation or Any).json_schema()
        if name in _DESCRIPTIONS:
            schema["description"] = _DESCRIPTIONS[name]
        properties[name] = schema
    properties["summary"]["minLength"] = 1
    return properties


def _example(prompt: str) -> dict[str, Any]:
    """The last JSON object example of the definition's prompt, or {}."""
    for block in reversed(_FENCE.findall(prompt)):
        try:
            value = json.loads(block)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    return {}


def _json_type(value: object) -> str | None:
    return next((name for py, name in _JSON_TYPES if isinstance(value, py)), None)


def worker_fields(definition: AgentDefinition) -> dict[str, Any]:
    """The worker's own result fields: those it passes downstream, typed by its prompt's
    example result where it has one."""
    fields: dict[str, Any] = {
        name: {} for name in definition.downstream if name not in WorkerResult.model_fields
    }
    for name, value in _example(definition.system_prompt).items():
        if name in WorkerResult.model_fields:
            continue
        kind = _json_type(value)
        fields[name] = {"type": kind} if kind else {}
    return fields


def build_submit_tool(definition: AgentDefinition) -> ToolParam:
    properties = {**_base_properties(), **worker_fields(definition)}
    return {
        "name": SUBMIT_TOOL,
        "description": "Hand in your final result; call it exactly once, when the work is "
        "done (or when told to stop). The run ends with this call. Put your role's own "
        "fields (for example docker_config, build_commands, security_notes, "
        "deployment_info) beside the common ones.",
        "input_schema": {
            "type": "object",
            "properties": properties,
            "required": ["summary"],
            "additionalProperties": True,
        },
    }


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or '(root)'}: {error['msg']}"
        for error in exc.errors()[:10]
    )


def parse_submission(data: object) -> WorkerResult:
    """A `WorkerResult` from the submit_result input; raises `ResultError` saying what is
    wrong."""
    if not isinstance(data, Mapping):
        raise ResultError("the submit_result input must be a JSON object")
    fields = {k: v for k, v in data.items() if k not in ENGINE_FIELDS}
    summary = fields.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise ResultError("'summary' must be a non-empty string")
    try:
        return WorkerResult.model_validate(fields)
    except ValidationError as exc:
        raise ResultError(f"the result does not match the schema: {_problems(exc)}") from exc
