"""Reading a tool call's input, which the model writes and may get wrong."""

from __future__ import annotations

from collections.abc import Mapping

from devops_orchestrator.worker.claude.context import ToolError


def text_arg(args: Mapping[str, object], name: str, default: str | None = None) -> str:
    value = args.get(name, default)
    if not isinstance(value, str):
        raise ToolError(f"input {name!r} must be a string")
    return value


def int_arg(args: Mapping[str, object], name: str, default: int) -> int:
    value = args.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ToolError(f"input {name!r} must be a number")
    return int(value)


def bool_arg(args: Mapping[str, object], name: str, default: bool = False) -> bool:
    value = args.get(name, default)
    if not isinstance(value, bool):
        raise ToolError(f"input {name!r} must be true or false")
    return value


def list_arg(args: Mapping[str, object], name: str) -> list[str]:
    value = args.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ToolError(f"input {name!r} must be a list of strings")
    return list(value)
