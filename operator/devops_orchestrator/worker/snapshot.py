"""What an engine changed: content hashes of the workspace before and after it ran.

The worker reports the difference, not what an engine claims, so `files_created` and
`files_modified` are true for every engine (a file whose content did not change is in
neither). Dependency and VCS folders are not scanned."""

from __future__ import annotations

import hashlib
from pathlib import Path

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


def take_snapshot(workspace: Path) -> Snapshot:
    snapshot: Snapshot = {}
    if not workspace.is_dir():
        return snapshot
    for path in workspace.rglob("*"):
        relative = path.relative_to(workspace)
        if any(part in SKIP_DIRS for part in relative.parts):
            continue
        if path.is_file() and not path.is_symlink():
            snapshot[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return snapshot


def diff_snapshots(before: Snapshot, after: Snapshot) -> tuple[list[str], list[str]]:
    """(created, modified), sorted."""
    created = sorted(p for p in after if p not in before)
    modified = sorted(p for p in after if p in before and before[p] != after[p])
    return created, modified
