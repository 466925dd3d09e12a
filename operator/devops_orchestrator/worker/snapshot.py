"""What an engine changed: content hashes of the workspace before and after it ran.

The worker reports the difference, not what an engine claims, so `files_created` and
`files_modified` are true for every engine (a file whose content did not change is in
neither). Dependency and VCS folders are not scanned.

Files are hashed in chunks, never read whole, and a file past `HASH_MAX_BYTES` is known
by its size and modification time only (a hostile workspace may hold huge files); at
most `MAX_FILES` files are looked at."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

HASH_MAX_BYTES = 64 * 1024 * 1024
MAX_FILES = 100_000
_CHUNK = 1024 * 1024

SKIP_DIRS = frozenset(
    {
        ".git",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        "target",
        ".terraform",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    }
)

Snapshot = dict[str, str]


def fingerprint(path: Path, max_bytes: int = HASH_MAX_BYTES) -> str | None:
    """The SHA-256 of a regular file (not followed if a link), read in chunks; past
    `max_bytes`, its size and mtime. None when it is not a regular file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        if info.st_size > max_bytes:
            return f"size:{info.st_size}:mtime:{info.st_mtime_ns}"
        digest = hashlib.sha256()
        while chunk := os.read(fd, _CHUNK):
            digest.update(chunk)
        return digest.hexdigest()
    finally:
        os.close(fd)


def take_snapshot(workspace: Path, max_files: int = MAX_FILES) -> Snapshot:
    snapshot: Snapshot = {}
    if not workspace.is_dir():
        return snapshot
    for folder, dirs, names in os.walk(workspace):  # symlinked folders are not entered
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(names):
            if len(snapshot) >= max_files:
                return snapshot
            path = Path(folder) / name
            digest = fingerprint(path)
            if digest is not None:
                snapshot[path.relative_to(workspace).as_posix()] = digest
    return snapshot


def diff_snapshots(before: Snapshot, after: Snapshot) -> tuple[list[str], list[str]]:
    """(created, modified), sorted."""
    created = sorted(p for p in after if p not in before)
    modified = sorted(p for p in after if p in before and before[p] != after[p])
    return created, modified
