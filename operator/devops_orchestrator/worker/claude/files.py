"""Which files a run created and which it modified, judged against the workspace as it
was before the run."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from devops_orchestrator.worker.claude.sandbox import Sandbox, SandboxError

SKIPPED_DIRS = frozenset({".git", ".hg", ".svn"})
SNAPSHOT_MAX_FILES = 50_000

_Stamp = tuple[int, int]  # (size, mtime_ns)


def _stamp(path: Path) -> _Stamp | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns)


def walk_files(root: Path, limit: int) -> Iterable[Path]:
    """Regular files under `root` (no VCS folders, symlinked folders not followed)."""
    count = 0
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(names):
            if count >= limit:
                return
            count += 1
            yield Path(folder) / name


@dataclass
class FileTracker:
    """The workspace before the run, and the files the tools wrote during it."""

    sandbox: Sandbox
    before: dict[str, _Stamp] = field(default_factory=dict)
    complete: bool = True  # False when the snapshot hit its cap
    written: set[str] = field(default_factory=set)

    @classmethod
    def snapshot(cls, sandbox: Sandbox, limit: int = SNAPSHOT_MAX_FILES) -> FileTracker:
        tracker = cls(sandbox)
        for path in walk_files(sandbox.root, limit + 1):
            if len(tracker.before) >= limit:
                tracker.complete = False
                break
            stamp = _stamp(path)
            if stamp is not None:
                tracker.before[path.relative_to(sandbox.root).as_posix()] = stamp
        return tracker

    def record_write(self, relative: str) -> None:
        self.written.add(relative)

    def existed_before(self, relative: str) -> bool:
        if relative in self.before:
            return True
        # Beyond a capped snapshot we cannot tell; calling it modified never hides a file.
        return not self.complete

    def changes(self, claimed: Iterable[str] = ()) -> tuple[list[str], list[str]]:
        """(created, modified): the files written plus the claimed ones, each only if it
        exists now inside the workspace; a claimed pre-existing file counts as modified
        only when it really changed."""
        created: set[str] = set()
        modified: set[str] = set()
        for name in {*self.written, *claimed}:
            try:
                resolved = self.sandbox.resolve(name)
            except SandboxError:
                continue
            if not resolved.is_file():
                continue
            relative = self.sandbox.relative(resolved)
            if not self.existed_before(relative):
                created.add(relative)
            elif relative in self.written or _stamp(resolved) != self.before.get(relative):
                modified.add(relative)
        return sorted(created), sorted(modified)
