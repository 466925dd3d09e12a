"""Read, Write and Edit, confined to the workspace and size-capped."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from devops_orchestrator.worker.claude.arguments import bool_arg, int_arg, text_arg
from devops_orchestrator.worker.claude.context import ToolContext, ToolError


def _read_text(path: Path, max_bytes: int) -> tuple[str, bool]:
    """The file's text, at most `max_bytes` of it, and whether it was cut."""
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    truncated = len(data) > max_bytes
    data = data[:max_bytes]
    if b"\x00" in data:
        raise ToolError(f"{path.name} looks like a binary file")
    return data.decode("utf-8", errors="replace"), truncated


def read(ctx: ToolContext, args: Mapping[str, object]) -> str:
    path = ctx.sandbox.resolve(text_arg(args, "path"))
    if not path.is_file():
        raise ToolError(f"no such file: {ctx.sandbox.relative(path)}")
    offset = max(int_arg(args, "offset", 1), 1)
    limit = max(int_arg(args, "limit", ctx.limits.read_default_lines), 1)
    text, truncated = _read_text(path, ctx.limits.read_max_bytes)
    lines = text.splitlines()
    shown = lines[offset - 1 : offset - 1 + limit]
    body = "\n".join(f"{offset + i:6}\t{line}" for i, line in enumerate(shown))
    notes = []
    if truncated:
        size = path.stat().st_size
        notes.append(f"[file is {size} bytes; only the first {ctx.limits.read_max_bytes} are read]")
    if offset - 1 + limit < len(lines):
        notes.append(f"[{len(lines)} lines; use offset/limit to read further]")
    if not shown:
        notes.append("[no lines in this range]" if lines else "[empty file]")
    return "\n".join([body, *notes]) if body else "\n".join(notes)


def _check_size(ctx: ToolContext, content: str) -> bytes:
    data = content.encode("utf-8")
    if len(data) > ctx.limits.write_max_bytes:
        raise ToolError(
            f"content is {len(data)} bytes; the limit is {ctx.limits.write_max_bytes} bytes"
        )
    return data


def write(ctx: ToolContext, args: Mapping[str, object]) -> str:
    path = ctx.sandbox.resolve(text_arg(args, "path"))
    data = _check_size(ctx, text_arg(args, "content"))
    if path.is_dir():
        raise ToolError(f"{ctx.sandbox.relative(path)} is a directory")
    relative = ctx.sandbox.relative(path)
    existed = path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    ctx.tracker.record_write(relative)
    return f"{'updated' if existed else 'created'} {relative} ({len(data)} bytes)"


def edit(ctx: ToolContext, args: Mapping[str, object]) -> str:
    path = ctx.sandbox.resolve(text_arg(args, "path"))
    old = text_arg(args, "old_string")
    new = text_arg(args, "new_string")
    replace_all = bool_arg(args, "replace_all")
    relative = ctx.sandbox.relative(path)
    if not path.is_file():
        raise ToolError(f"no such file: {relative} (use Write to create it)")
    if not old:
        raise ToolError("old_string must not be empty")
    if old == new:
        raise ToolError("old_string and new_string are the same")
    if path.stat().st_size > ctx.limits.write_max_bytes:
        raise ToolError(f"{relative} is larger than {ctx.limits.write_max_bytes} bytes")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ToolError(f"{relative} is not UTF-8 text") from exc
    count = text.count(old)
    if count == 0:
        raise ToolError(f"old_string not found in {relative}")
    if count > 1 and not replace_all:
        raise ToolError(
            f"old_string occurs {count} times in {relative}; give more context or replace_all"
        )
    data = _check_size(ctx, text.replace(old, new))
    path.write_bytes(data)
    ctx.tracker.record_write(relative)
    return f"edited {relative}: {count if replace_all else 1} replacement(s)"
