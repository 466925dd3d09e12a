"""Fixtures of the deploy tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from devcluster.binaries import bin_dir, missing_binaries


@pytest.fixture(scope="session")
def kubectl_bin() -> Path:
    """The pinned kubectl (built by `make controlplane`), for rendering without a cluster."""
    directory = bin_dir()
    assert "kubectl" not in missing_binaries(directory), "run `make controlplane` first"
    return directory / "kubectl"
