"""Glob and Grep over the workspace, bounded in results and in time.

Patterns come from the model, so a hostile one (`(a+)+$`, `**/**/**/...`) must not
hang the worker: matching runs on the `regex` engine with a timeout taken from one
deadline per call (`ToolLimits.search_max_seconds`, and never past the run's end), and
the walk stops at that deadline too."""

from __future__ import annotations

import fnmatch
import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath

import regex

from devops_orchestrator.worker.claude.arguments import bool_arg, text_arg
from devops_orchestrator.worker.claude.context import ToolContext, ToolError
from devops_orchestrator.worker.claude.file_tools import read_beneath
from devops_orchestrator.worker.claude.files import SKIPPED_DIRS, walk_files
from devops_orchestrator.worker.claude.sandbox import SandboxError

_LINE_MAX_CHARS = 300
_PATTERN_MAX_CHARS = 1000
_REPEATED_ANY_DIRS = re.compile(r"(?:\*\*/)+")


class _Deadline:
    def __init__(self, ctx: ToolContext) -> None:
        seconds = min(ctx.limits.search_max_seconds, max(ctx.time_left(), 0.0))
        self.at = time.monotonic() + seconds
        self.seconds = seconds

    def left(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise ToolError(
                f"the search took longer than {self.seconds:g}s and was stopped; "
                "use a simpler pattern or a narrower path"
            )
        return left

    def match(self, pattern: regex.Pattern[str], text: str, search: bool) -> bool:
        try:
            if search:
                return pattern.search(text, timeout=self.left()) is not None
            return pattern.match(text, timeout=self.left()) is not None
        except TimeoutError:
            self.left()  # raises the ToolError
            raise


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


def glob_regex(pattern: str) -> regex.Pattern[str]:
    """A regex for a glob over POSIX paths: `**` spans folders, `*` and `?` do not.
    Repeated `**/` mean the same as one (and would backtrack exponentially)."""
    pattern = _REPEATED_ANY_DIRS.sub("**/", pattern)
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
    return regex.compile("".join(out) + r"\Z")


def glob(ctx: ToolContext, args: Mapping[str, object]) -> str:
    pattern = text_arg(args, "pattern")
    pure = PurePosixPath(pattern)
    if not pattern or pure.is_absolute() or ".." in pure.parts:
        raise ToolError("pattern must be relative and must not contain '..'")
    if len(pattern) > _PATTERN_MAX_CHARS:
        raise ToolError(f"pattern is longer than {_PATTERN_MAX_CHARS} characters")
    base = _base(ctx, args)
    if not base.is_dir():
        raise ToolError(f"not a directory: {ctx.sandbox.relative(base)}")
    deadline = _Deadline(ctx)
    compiled = glob_regex(pattern)
    limit = ctx.limits.glob_max_results
    matches: list[str] = []
    total = 0
    for path in walk_files(base, ctx.limits.walk_max_files):
        relative = _inside(ctx, path)
        if relative is None or not deadline.match(
            compiled, path.relative_to(base).as_posix(), search=False
        ):
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
    flags = regex.IGNORECASE if bool_arg(args, "ignore_case") else 0
    pattern = text_arg(args, "pattern")
    if len(pattern) > _PATTERN_MAX_CHARS:
        raise ToolError(f"pattern is longer than {_PATTERN_MAX_CHARS} characters")
    try:
        compiled = regex.compile(pattern, flags | regex.VERSION0)
    except (regex.error, OverflowError, RecursionError) as exc:
        raise ToolError(f"invalid regular expression: {exc}") from exc
    deadline = _Deadline(ctx)
    base = _base(ctx, args)
    if not base.exists():
        raise ToolError(f"no such file or directory: {ctx.sandbox.relative(base)}")
    limit = ctx.limits.grep_max_matches
    matches: list[str] = []
    for _, relative in _candidates(ctx, base, text_arg(args, "glob", "")):
        deadline.left()
        try:  # opened beneath the root, no link followed: a swapped file cannot escape
            data, size = read_beneath(ctx, relative, ctx.limits.grep_max_file_bytes)
        except (ToolError, SandboxError, OSError):
            continue
        if size > ctx.limits.grep_max_file_bytes or b"\x00" in data:
            continue
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if deadline.match(compiled, line, search=True):
                matches.append(f"{relative}:{number}: {line[:_LINE_MAX_CHARS]}")
                if len(matches) >= limit:
                    return "\n".join([*matches, *_more(limit, limit, True)])
    return "\n".join(matches) if matches else "no matches"
