"""The limits a queue item must meet before it becomes a DevOpsTask. Pure.

Each limit is one the item would hit later anyway, only later and worse: the CRD's
(requirements: 50 items of 2,000 characters; description: 8,000 characters), the
platform's (annotations 256 KiB in all, one environment variable 128 KiB), and our
own Job rendering (deep nesting). Checked at parse time, the item is dead-lettered with
a reason a producer can act on instead of failing on every pass of a later stage."""

from __future__ import annotations

import re
from typing import Any

# The network's ids are UUIDs. The id becomes part of Redis keys (`results:{id}`,
# `results:{id}:logs`), so ':' and the other key separators are refused: an id equal to
# another task's log key would otherwise address that key.
MAX_TASK_ID_CHARS = 128
TASK_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

MAX_ITEM_BYTES = 64 * 1024  # kept verbatim in an annotation, next to kopf's own copy
MAX_CONTEXT_BYTES = 32 * 1024  # travels in every worker's briefing
MAX_DEPTH = 12  # objects and arrays nested in the whole item (payload.context: ~9 levels)
MAX_REQUIREMENTS = 50  # the CRD's spec.requirements maxItems
MAX_REQUIREMENT_CHARS = 2000  # the CRD's spec.requirements items maxLength
MAX_HEADER_CHARS = 256  # type, source, destination, timestamp


def task_id_problem(task_id: object) -> str | None:
    """Why `task_id` cannot be used as the network's id (None when it can)."""
    if not isinstance(task_id, str):
        return f"task_id is not a string: {type(task_id).__name__}"
    if not task_id.strip():
        return "empty task_id"
    if len(task_id) > MAX_TASK_ID_CHARS:
        return f"task_id longer than {MAX_TASK_ID_CHARS} characters"
    if not TASK_ID_PATTERN.match(task_id):
        return (
            "task_id must be letters, digits, '.', '_' or '-' (a UUID, say):"
            " no whitespace, ':' or other separators"
        )
    return None


def is_usable_task_id(task_id: object) -> bool:
    return task_id_problem(task_id) is None


def nesting_depth(value: Any, limit: int) -> int:
    """How deep objects and arrays nest in `value`, counted up to `limit + 1` (so a
    hostile depth costs no more than the limit). Iterative: no recursion to exhaust."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, dict | list):
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth) for child in children)
    return deepest


def size_problem(raw_bytes: int) -> str | None:
    if raw_bytes > MAX_ITEM_BYTES:
        return f"item too large: {raw_bytes} bytes (max {MAX_ITEM_BYTES})"
    return None


def limits_problem(data: dict[str, Any], context_bytes: int) -> str | None:
    """The first limit the decoded item exceeds, in words; `context_bytes` is the size
    of payload.context as JSON (the caller has the encoder)."""
    depth = nesting_depth(data, MAX_DEPTH)
    if depth > MAX_DEPTH:
        return f"item nested too deep: more than {MAX_DEPTH} levels"
    for name in ("type", "source", "destination", "timestamp"):
        value = data.get(name)
        if isinstance(value, str) and len(value) > MAX_HEADER_CHARS:
            return f"{name} longer than {MAX_HEADER_CHARS} characters"
    payload = data.get("payload")
    requirements = payload.get("requirements") if isinstance(payload, dict) else None
    if isinstance(requirements, list):
        if len(requirements) > MAX_REQUIREMENTS:
            return f"too many payload.requirements: {len(requirements)} (max {MAX_REQUIREMENTS})"
        for index, item in enumerate(requirements):
            if isinstance(item, str) and len(item) > MAX_REQUIREMENT_CHARS:
                return (
                    f"payload.requirements[{index}] longer than {MAX_REQUIREMENT_CHARS} characters"
                )
    if context_bytes > MAX_CONTEXT_BYTES:
        return f"payload.context too large: {context_bytes} bytes (max {MAX_CONTEXT_BYTES})"
    return None
