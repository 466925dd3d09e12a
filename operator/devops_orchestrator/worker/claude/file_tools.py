"""Read, Write and Edit, confined to the workspace and size-capped.

Contents are read and written through descriptors the sandbox opened beneath the
workspace without following links (`Sandbox.open`), never by name after a check."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

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


@contextmanager
def _open_plain(ctx: ToolContext, path: str) -> Iterator[tuple[int, int]]:
    """A read descriptor of the plain file `path` opened beneath the workspace, and its size."""
    try:
        fd = ctx.sandbox.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except _NOT_FOUND:
        raise ToolError(f"no such file: {ctx.sandbox.lexical(path)}") from None
    try:
        yield fd, check_plain_file(fd, path, single_link=False).st_size
    finally:
        os.close(fd)


def read_beneath(ctx: ToolContext, path: str, max_bytes: int) -> tuple[bytes, int]:
    """At most `max_bytes + 1` bytes of the file `path` and its size."""
    with _open_plain(ctx, path) as (fd, size):
        return _read_fd(fd, max_bytes), size


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


_CHUNK = 64 * 1024
_NOTE_ROOM = 256  # of the cap, kept for the notes under a page


def _skip_lines(fd: int, count: int) -> tuple[bytes, int]:
    """Reads past the first `count` lines, chunk by chunk; what was read after them and
    how many of them the file lacked."""
    while count and (chunk := os.read(fd, _CHUNK)):
        found = chunk.count(b"\n")
        if found < count:
            count -= found
            continue
        end = -1
        for _ in range(count):
            end = chunk.index(b"\n", end + 1)
        return chunk[end + 1 :], 0
    return b"", count


def _lines(fd: int, head: bytes, keep: int) -> Iterator[bytes]:
    """The lines from `head` on (without their ends), each cut to `keep + 1` bytes so one
    endless line never fills memory; read chunk by chunk."""
    part = bytearray()
    chunk = head or os.read(fd, _CHUNK)  # the skip may have ended on a chunk's last byte
    while chunk:
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            part += chunk[start : min(end, start + keep + 1 - len(part))]
            yield bytes(part)
            part.clear()
            start = end + 1
        part += chunk[start : start + max(0, keep + 1 - len(part))]
        chunk = os.read(fd, _CHUNK)
    if part:
        yield bytes(part)


@dataclass(frozen=True)
class _Page:
    lines: list[str]
    next_offset: int | None  # where the next page starts, None at the end of the file
    cut_line: bool  # the one line shown is longer than a page


def _read_page(fd: int, offset: int, limit: int, budget: int) -> _Page:
    """Lines `offset`.. (1-based), at most `limit` of them and `budget` bytes as numbered."""
    head, missing = _skip_lines(fd, offset - 1)
    if missing:
        return _Page([], None, False)
    shown: list[str] = []
    used = 0
    for number, raw in enumerate(_lines(fd, head, budget), start=offset):
        if len(shown) == limit:
            return _Page(shown, number, False)
        line = f"{number:6}\t{raw.decode('utf-8', errors='replace')}"
        size = len(line.encode()) + 1
        if used + size <= budget:
            shown.append(line)
            used += size
            continue
        if shown:
            return _Page(shown, number, False)
        cut = line.encode()[: budget - 1].decode("utf-8", errors="ignore")
        return _Page([cut], number + 1, True)
    return _Page(shown, None, False)


def _page_notes(page: _Page, offset: int, size: int) -> list[str]:
    if not page.lines:
        return ["[empty file]" if size == 0 else f"[the file ends before line {offset}]"]
    notes = ["[this line is longer than a page; only its start is shown]"] * page.cut_line
    if page.next_offset is not None:
        last = offset + len(page.lines) - 1
        notes.append(
            f"[lines {offset}-{last} of a {size}-byte file; more follows: "
            f"call Read with offset={page.next_offset} to continue]"
        )
    return notes


def read(ctx: ToolContext, args: Mapping[str, object]) -> str:
    """One page of a text file: from line `offset`, at most `limit` lines and never more
    than `read_max_bytes` in all; the file is read in chunks, never held whole."""
    name = text_arg(args, "path")
    ctx.sandbox.resolve(name)  # refusals first, with their reason
    offset = max(int_arg(args, "offset", 1), 1)
    limit = max(int_arg(args, "limit", ctx.limits.read_default_lines), 1)
    budget = max(ctx.limits.read_max_bytes - _NOTE_ROOM, 64)
    with _open_plain(ctx, name) as (fd, size):
        page = _read_page(fd, offset, limit, budget)
    if any("\x00" in line for line in page.lines):
        raise ToolError(f"{os.path.basename(name)} looks like a binary file")
    return "\n".join([*page.lines, *_page_notes(page, offset, size)])


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
