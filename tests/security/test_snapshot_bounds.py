"""Red team, workspace size: hashing the workspace never reads a file whole, never
follows a link out of it, and stops at its caps."""

from __future__ import annotations

import os
from pathlib import Path

from devops_orchestrator.worker.snapshot import fingerprint, take_snapshot


def test_a_huge_file_is_known_by_size_and_mtime(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    with big.open("wb") as handle:  # sparse: large on paper, nothing on disk
        handle.truncate(5 * 1024 * 1024)
    assert fingerprint(big, max_bytes=1024 * 1024) == (
        f"size:{5 * 1024 * 1024}:mtime:{big.stat().st_mtime_ns}"
    )
    small = tmp_path / "small.txt"
    small.write_text("x")
    assert fingerprint(small) == (
        "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
    )


def test_links_and_special_files_are_not_read(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "secret-link").symlink_to("/etc/hostname")
    (ws / "dir-link").symlink_to("/etc")
    os.mkfifo(ws / "pipe")  # opening a FIFO for reading would block a naive hasher
    (ws / "app.py").write_text("print(1)\n")
    assert set(take_snapshot(ws)) == {"app.py"}


def test_the_number_of_files_is_capped(tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"f{i}").write_text(str(i))
    assert len(take_snapshot(tmp_path, max_files=10)) == 10
