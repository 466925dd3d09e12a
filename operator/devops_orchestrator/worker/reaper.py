"""Descendant processes: find them, and kill the ones a tool call left behind.

The worker is a child subreaper (`prctl(PR_SET_CHILD_SUBREAPER)`): a process that
leaves its session and is orphaned (`setsid`, a double fork) is re-parented to the
worker instead of init, so it stays a descendant we can find and kill. Only processes
that were not our children before the call are touched."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
_MAX_ROUNDS = 50  # a fork bomb is out-killed long before this


def become_subreaper() -> bool:
    """Idempotent; False where prctl is unavailable."""
    if not Path("/proc/self").is_dir():
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields follow the last ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[1])


def children(pid: int | None = None) -> set[int]:
    """The live direct children of `pid` (default: this process)."""
    parent = os.getpid() if pid is None else pid
    found: set[int] = set()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and _parent_of(int(entry.name)) == parent:
            found.add(int(entry.name))
    return found


def descendants(pid: int) -> set[int]:
    parents = {pid: _parent_of(pid)}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            parents[int(entry.name)] = _parent_of(int(entry.name))
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def kill_new_descendants(before: set[int]) -> int:
    """SIGKILL every descendant that is not under one of the `before` children, until
    none is left; reap our direct children among them. The number killed."""
    killed = 0
    for _ in range(_MAX_ROUNDS):
        new = children() - before
        targets: set[int] = set()
        for child in new:
            targets |= {child, *descendants(child)}
        if not targets:
            break
        for pid in targets:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
        for child in new:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(child, 0)
    return killed
