"""The model's final answer: a JSON object of `WorkerResult` fields, found in its text."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from devops_orchestrator.models import WorkerResult

_FENCE = re.compile(r"```(?:json|JSON)?[ \t]*\r?\n(.*?)```", re.DOTALL)

# Fields the engine and the worker process set; whatever the model says about them is
# dropped.
_ENGINE_FIELDS = (
    "engine",
    "model",
    "usage",
    "git_branch",
    "git_commit",
    "artifacts_configmap",
    "artifacts_truncated",
)


class ResultError(ValueError):
    """The final answer holds no usable result; the message is meant for the model."""


def _objects(text: str) -> list[dict[str, Any]]:
    """Every top-level JSON object in `text`, in order."""
    decoder = json.JSONDecoder()
    found: list[dict[str, Any]] = []
    index = text.find("{")
    while index != -1:
        try:
            value, end = decoder.raw_decode(text, index)
        except json.JSONDecodeError:
            index = text.find("{", index + 1)
            continue
        if isinstance(value, dict):
            found.append(value)
        index = text.find("{", end)
    return found


def extract_json(text: str) -> dict[str, Any]:
    """The result object: the last ```json fenced block, else the last bare object."""
    for block in reversed(_FENCE.findall(text)):
        try:
            value = json.loads(block)
        except json.JSONDecodeError as exc:
            raise ResultError(f"the ```json block is not valid JSON: {exc}") from exc
        if isinstance(value, dict):
            return value
    objects = _objects(text)
    if not objects:
        raise ResultError("no JSON object found in the final answer")
    return objects[-1]


def parse_result(text: str) -> WorkerResult:
    """A `WorkerResult` from the final answer; raises `ResultError` saying what is wrong."""
    data = extract_json(text)
    if not isinstance(data.get("summary"), str) or not data["summary"].strip():
        raise ResultError("the result object needs a non-empty string field 'summary'")
    for name in _ENGINE_FIELDS:
        data.pop(name, None)
    try:
        return WorkerResult.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or '(root)'}: {error['msg']}"
            for error in exc.errors()[:10]
        )
        raise ResultError(f"the result object does not match the schema: {problems}") from exc
