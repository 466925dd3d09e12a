"""A go-ahead file for a process of a pod (the node agent runs pods as local processes,
which see /var/tmp): the pod waits for it, the test creates it when it is ready."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def go_file() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="go-ahead-", dir="/var/tmp"))
    folder.chmod(0o755)  # pods run as other users
    yield folder / "go"
    (folder / "go").unlink(missing_ok=True)
    folder.rmdir()
