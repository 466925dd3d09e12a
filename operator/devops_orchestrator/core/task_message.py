"""A raw queue item -> a TaskMessage, or the reason it must go to the dead-letter list.

Also the producer side: the task JSON exactly as the network's producer writes it.
Pure: no I/O, `now` is passed in."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from devops_orchestrator import constants as c
from devops_orchestrator.core.item_limits import (
    limits_problem,
    size_problem,
    task_id_problem,
)
from devops_orchestrator.models import Priority, TaskMessage

MAX_READABLE_BYTES = 1024 * 1024  # an oversized item up to this is still read for its id


@dataclass(frozen=True)
class DeadLetter:
    """Why an item cannot be processed; `task_id` when one could be read anyway."""

    reason: str
    task_id: str | None = None
    destination: str | None = None  # the item's own, when it names one


def parse_task_item(raw: bytes | str, *, max_description_chars: int) -> TaskMessage | DeadLetter:
    """Validate one raw queue item. Never raises."""
    if isinstance(raw, bytes):
        size = len(raw)
        try:
            text = raw.decode("utf-8") if size <= MAX_READABLE_BYTES else ""
        except UnicodeDecodeError:
            return DeadLetter(size_problem(size) or "not valid UTF-8")
    else:
        text = raw
        size = len(text.encode("utf-8", "surrogatepass"))
    too_large = size_problem(size)
    if too_large:
        return DeadLetter(too_large, *_address_of_oversized(text, size))
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as exc:
        return DeadLetter(f"not JSON: {_first_line(str(exc))}")
    if not isinstance(data, dict):
        return DeadLetter(f"not a JSON object: {type(data).__name__}")
    task_id = read_task_id(data)
    if task_id is None:
        return DeadLetter(_task_id_problem(data))
    destination = data.get("destination")
    destination = destination if isinstance(destination, str) else None
    reason = _shape_problem(data, max_description_chars)
    if reason is None:
        context = (data.get("payload") or {}).get("context", {})
        reason = limits_problem(data, len(json.dumps(context, ensure_ascii=False).encode()))
    if reason is not None:
        return DeadLetter(reason, task_id, destination)
    try:
        return TaskMessage.model_validate(data)
    except ValidationError as exc:
        return DeadLetter(f"invalid task: {_validation_summary(exc)}", task_id, destination)


def _address_of_oversized(text: str, size: int) -> tuple[str | None, str | None]:
    """(task id, destination) of an item too large to run, when it is still small
    enough to read (so its producer gets an answer instead of `pending` forever)."""
    if size > MAX_READABLE_BYTES:
        return None, None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    destination = data.get("destination")
    return read_task_id(data), destination if isinstance(destination, str) else None


def read_task_id(data: dict[str, Any]) -> str | None:
    """The task id when it is usable as the network's id (and in our keys), else None."""
    task_id = data.get("task_id")
    return task_id if isinstance(task_id, str) and task_id_problem(task_id) is None else None


def _task_id_problem(data: dict[str, Any]) -> str:
    if "task_id" not in data:
        return "missing task_id"
    return task_id_problem(data["task_id"]) or "unusable task_id"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number out of range: {text[:40]}")
    return value


def _shape_problem(data: dict[str, Any], max_description_chars: int) -> str | None:
    """The first thing wrong with the message's fields, in words a person can act on."""
    payload = data.get("payload")
    if not isinstance(payload, dict):
        return "missing payload object" if payload is None else "payload is not an object"
    description = payload.get("description")
    if not isinstance(description, str):
        return (
            "missing payload.description"
            if description is None
            else ("payload.description is not a string")
        )
    if not description.strip():
        return "empty payload.description"
    if len(description) > max_description_chars:
        size = len(description)
        return f"payload.description too long: {size} > {max_description_chars} characters"
    requirements = payload.get("requirements", [])
    if not isinstance(requirements, list) or not all(isinstance(r, str) for r in requirements):
        return "payload.requirements is not a list of strings"
    if not isinstance(payload.get("context", {}), dict):
        return "payload.context is not an object"
    metadata = data.get("metadata", {})
    if not isinstance(metadata, dict):
        return "metadata is not an object"
    priority = metadata.get("priority", Priority.NORMAL.value)
    if not isinstance(priority, str) or priority not in {p.value for p in Priority}:
        return f"unknown metadata.priority {priority!r} (low, normal, high)"
    timeout = metadata.get("timeout_seconds", 300)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        return "metadata.timeout_seconds is not a positive number"
    for name in ("type", "source", "destination", "timestamp"):
        if name in data and not isinstance(data[name], str):
            return f"{name} is not a string"
    return None


def _first_line(text: str) -> str:
    return text.splitlines()[0][:200] if text else "invalid"


def _validation_summary(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}"


def build_dead_letter(raw: bytes | str, letter: DeadLetter, *, agent_id: str, now: datetime) -> str:
    """The JSON envelope pushed on `tasks:dead:{domain}`: the raw item (as text), why, when."""
    text = raw.decode("utf-8", "backslashreplace") if isinstance(raw, bytes) else raw
    envelope = {
        "raw": text,
        "reason": letter.reason,
        "task_id": letter.task_id,
        "dead_lettered_at": now.isoformat(),
        "agent_id": agent_id,
    }
    return json.dumps(envelope, ensure_ascii=False)


def build_task_json(
    description: str,
    *,
    requirements: list[str],
    context: dict[str, Any],
    priority: str,
    timeout_seconds: int,
    source: str,
    now: datetime,
    task_id: str,
    domain: str = c.DOMAIN,
) -> str:
    """The task JSON as the network's producer writes it (PROTOCOL.md)."""
    message = {
        "task_id": task_id,
        "type": "task_assignment",
        "source": source,
        "destination": domain,
        "timestamp": now.isoformat(),
        "payload": {"description": description, "requirements": requirements, "context": context},
        "metadata": {"priority": priority, "timeout_seconds": timeout_seconds},
    }
    return json.dumps(message)
