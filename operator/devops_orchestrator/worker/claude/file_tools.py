"""Read, Write and Edit, confined to the workspace and size-capped.

Contents are read and written through descriptors the sandbox opened beneath the
workspace without following links (`Sandbox.open`), never by name after a check."""

from __future__ import annotations

import os
from collections.abc import Mapping

from devops_orchestrator.worker.claude.arguments import bool_arg, int_arg, text_arg
from devops_orchestrator.worker.claude.context import ToolContext, ToolError
from devops_orchestrator.worker.claude.sandbox import check_plain_file

_NOT_FOUND = (FileNotFoundError, NotADirectoryError, IsADirectoryError)


def _read_fd(fd: int, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes and (chunk := os.read(fd, min(65536, max_bytes + 1 - size))):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def read_beneath(ctx: ToolContext, path: str, max_bytes: int) -> tuple[bytes, int]:
    """At most `max_bytes + 1` bytes of the file `path` and its size."""
    try:
        fd = ctx.sandbox.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except _NOT_FOUND:
        raise ToolError(f"no such file: {ctx.sandbox.lexical(path)}") from None
    try:
        info = check_plain_file(fd, path, single_link=False)
        return _read_fd(fd, max_bytes), info.st_size
    finally:
        os.close(fd)


def _write_beneath(ctx: ToolContext, path: str, data: bytes) -> bool:
    """Write `data` to `path` (created if missing); whether it existed."""
    ctx.sandbox.make_parents(path)
    flags = os.O_WRONLY | os.O_NONBLOCK
    existed = True
    try:
        try:
            fd = ctx.sandbox.open(path, flags)
        except FileNotFoundError:
            existed = False
            fd = ctx.sandbox.open(path, flags | os.O_CREAT | os.O_EXCL, 0o644)
    except IsADirectoryError:
        raise ToolError(f"{ctx.sandbox.lexical(path)} is a directory") from None
    try:
        check_plain_file(fd, path, single_link=True)
        os.ftruncate(fd, 0)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        return existed
    finally:
        os.close(fd)


def _read_text(ctx: ToolContext, path: str, max_bytes: int) -> tuple[str, bool, int]:
    """The file's text, at most `max_bytes` of it, whether it was cut, and its size."""
    data, size = read_beneath(ctx, path, max_bytes)
    truncated = len(data) > max_bytes
    data = data[:max_bytes]
    if b"\x00" in data:
        raise ToolError(f"{os.path.basename(path)} looks like a binary file")
    return data.decode("utf-8", errors="replace"), truncated, size


def read(ctx: ToolContext, args: Mapping[str, object]) -> str:
    name = text_arg(args, "path")
    ctx.sandbox.resolve(name)  # refusals first, with their reason
    offset = max(int_arg(args, "offset", 1), 1)
    limit = max(int_arg(args, "limit", ctx.limits.read_default_lines), 1)
    text, truncated, size = _read_text(ctx, name, ctx.limits.read_max_bytes)
    lines = text.splitlines()
    shown = lines[offset - 1 : offset - 1 + limit]
    body = "\n".join(f"{offset + i:6}\t{line}" for i, line in enumerate(shown))
    notes = []
    if truncated:
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
    name = text_arg(args, "path")
    ctx.sandbox.resolve(name)  # refusals first, with their reason
    relative = ctx.sandbox.lexical(name)
    data = _check_size(ctx, text_arg(args, "content"))
    try:
        existed = _write_beneath(ctx, name, data)
    except FileNotFoundError:
        raise ToolError(f"cannot create {relative}") from None
    ctx.tracker.record_write(relative)
    return f"{'updated' if existed else 'created'} {relative} ({len(data)} bytes)"


def edit(ctx: ToolContext, args: Mapping[str, object]) -> str:
    name = text_arg(args, "path")
    ctx.sandbox.resolve(name)
    relative = ctx.sandbox.lexical(name)
    old = text_arg(args, "old_string")
    new = text_arg(args, "new_string")
    replace_all = bool_arg(args, "replace_all")
    if not old:
        raise ToolError("old_string must not be empty")
    if old == new:
        raise ToolError("old_string and new_string are the same")
    try:
        raw, size = read_beneath(ctx, name, ctx.limits.write_max_bytes)
    except ToolError:
        raise ToolError(f"no such file: {relative} (use Write to create it)") from None
    if size > ctx.limits.write_max_bytes or len(raw) > ctx.limits.write_max_bytes:
        raise ToolError(f"{relative} is larger than {ctx.limits.write_max_bytes} bytes")
    try:
        text = raw.decode("utf-8")
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
    _write_beneath(ctx, name, data)
    ctx.tracker.record_write(relative)
    return f"edited {relative}: {count if replace_all else 1} replacement(s)"
