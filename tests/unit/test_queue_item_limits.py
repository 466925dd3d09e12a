"""Queue item limits, equal to the CRD's and the platform's (core/item_limits.py)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from devops_orchestrator.core.item_limits import (
    MAX_CONTEXT_BYTES,
    MAX_DEPTH,
    MAX_REQUIREMENTS,
    limits_problem,
    nesting_depth,
    task_id_problem,
)
from devops_orchestrator.core.task_message import DeadLetter, parse_task_item


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


@pytest.mark.parametrize(
    ("task_id", "problem"),
    [
        (str(uuid.uuid4()), None),
        ("task-1.retry_2", None),
        ("a" * 128, None),
        ("a" * 129, "longer than 128"),
        ("abc:logs", "no whitespace"),
        ("{x}", "no whitespace"),
        ("-leading", "no whitespace"),
        ("with space", "no whitespace"),
        ("", "empty"),
        (42, "not a string"),
        (None, "not a string"),
    ],
)
def test_task_id(task_id: object, problem: str | None) -> None:
    found = task_id_problem(task_id)
    assert (found is None) if problem is None else (problem in (found or ""))


@pytest.mark.parametrize(("depth", "limit", "seen"), [(0, 5, 0), (3, 5, 3), (300, 12, 13)])
def test_nesting_depth_stops_counting_past_the_limit(depth: int, limit: int, seen: int) -> None:
    assert nesting_depth(nested(depth), limit) == seen


def test_depth_counts_lists_too() -> None:
    assert nesting_depth({"a": [[{"b": []}]]}, 10) == 5


def message(**payload: Any) -> dict[str, Any]:
    return {"task_id": "t", "payload": {"description": "d", **payload}}


@pytest.mark.parametrize(
    ("data", "context_bytes", "problem"),
    [
        (message(requirements=["x"] * MAX_REQUIREMENTS), 2, None),
        (message(requirements=["x"] * (MAX_REQUIREMENTS + 1)), 2, "too many payload.requirements"),
        (message(requirements=["ok", "y" * 2001]), 2, "payload.requirements[1] longer"),
        (message(context=nested(MAX_DEPTH)), 2, "nested too deep"),
        (message(context=nested(4)), 2, None),
        (message(), MAX_CONTEXT_BYTES + 1, "payload.context too large"),
        ({**message(), "source": "s" * 300}, 2, "source longer"),
    ],
)
def test_limits(data: dict[str, Any], context_bytes: int, problem: str | None) -> None:
    found = limits_problem(data, context_bytes)
    assert (found is None) if problem is None else (problem in (found or "")), found


def test_a_300_deep_item_is_judged_without_recursion() -> None:
    data = json.loads("[" * 300 + "]" * 300)
    assert nesting_depth(data, MAX_DEPTH) == MAX_DEPTH + 1


def test_an_oversized_item_is_still_answered_when_its_id_can_be_read() -> None:
    big = {"task_id": "big-1", "destination": "devops", "payload": {"description": "x" * 70_000}}
    letter = parse_task_item(json.dumps(big).encode(), max_description_chars=8000)
    assert isinstance(letter, DeadLetter)
    assert (letter.task_id, letter.destination) == ("big-1", "devops")
    assert letter.reason.startswith("item too large")
    huge = json.dumps({"task_id": "huge-1", "payload": {"description": "x" * 2_000_000}})
    assert parse_task_item(huge.encode(), max_description_chars=8000) == DeadLetter(
        f"item too large: {len(huge)} bytes (max 65536)"
    )
