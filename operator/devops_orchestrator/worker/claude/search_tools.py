"""Glob and Grep over the workspace, with bounded results."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath

from devops_orchestrator.worker.claude.arguments import bool_arg, text_arg
from devops_orchestrator.worker.claude.context import ToolContext, ToolError
from devops_orchestrator.worker.claude.files import SKIPPED_DIRS, walk_files

_LINE_MAX_CHARS = 300


def _base(ctx: ToolContext, args: Mapping[str, object]) -> Path:
    return ctx.sandbox.resolve(text_arg(args, "path", "."))


def _inside(ctx: ToolContext, path: Path) -> str | None:
    """`path` relative to the root when it really lies inside (symlinks resolved)."""
    resolved = path.resolve()
    if not resolved.is_relative_to(ctx.sandbox.root):
        return None
    relative = path.relative_to(ctx.sandbox.root).as_posix()
    if SKIPPED_DIRS.intersection(PurePosixPath(relative).parts):
        return None
    return relative


def _more(total: int, shown: int, capped: bool) -> list[str]:
    if capped:
        return [f"[results capped at {shown}; the search stopped early, narrow it]"]
    if total > shown:
        return [f"[{total - shown} more not shown; narrow the search]"]
    return []


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A regex for a glob over POSIX paths: `**` spans folders, `*` and `?` do not."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 2 :]:
            close = pattern.index("]", i + 2)
            body = pattern[i + 1 : close].replace("\\", "\\\\")
            out.append("[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]")
            i = close + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def glob(ctx: ToolContext, args: Mapping[str, object]) -> str:
    pattern = text_arg(args, "pattern")
    pure = PurePosixPath(pattern)
    if not pattern or pure.is_absolute() or ".." in pure.parts:
        raise ToolError("pattern must be relative and must not contain '..'")
    base = _base(ctx, args)
    if not base.is_dir():
        raise ToolError(f"not a directory: {ctx.sandbox.relative(base)}")
    regex = glob_regex(pattern)
    limit = ctx.limits.glob_max_results
    matches: list[str] = []
    total = 0
    for path in walk_files(base, ctx.limits.walk_max_files):
        relative = _inside(ctx, path)
        if relative is None or not regex.match(path.relative_to(base).as_posix()):
            continue
        total += 1
        if len(matches) < limit:
            matches.append(relative)
    lines = sorted(matches) or ["no files match"]
    return "\n".join([*lines, *_more(total, len(matches), False)])


def _candidates(ctx: ToolContext, base: Path, name_glob: str) -> Iterator[tuple[Path, str]]:
    paths = [base] if base.is_file() else walk_files(base, ctx.limits.walk_max_files)
    for path in paths:
        relative = _inside(ctx, path)
        if relative is None:
            continue
        if name_glob and not (
            fnmatch.fnmatch(relative, name_glob) or fnmatch.fnmatch(path.name, name_glob)
        ):
            continue
        yield path, relative


def grep(ctx: ToolContext, args: Mapping[str, object]) -> str:
    flags = re.IGNORECASE if bool_arg(args, "ignore_case") else 0
    try:
        regex = re.compile(text_arg(args, "pattern"), flags)
    except re.error as exc:
        raise ToolError(f"invalid regular expression: {exc}") from exc
    base = _base(ctx, args)
    if not base.exists():
        raise ToolError(f"no such file or directory: {ctx.sandbox.relative(base)}")
    limit = ctx.limits.grep_max_matches
    matches: list[str] = []
    for path, relative in _candidates(ctx, base, text_arg(args, "glob", "")):
        try:
            if path.stat().st_size > ctx.limits.grep_max_file_bytes:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        if b"\x00" in data:
            continue
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if regex.search(line):
                matches.append(f"{relative}:{number}: {line[:_LINE_MAX_CHARS]}")
                if len(matches) >= limit:
                    return "\n".join([*matches, *_more(limit, limit, True)])
    return "\n".join(matches) if matches else "no matches"
