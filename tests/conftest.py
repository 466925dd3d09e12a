"""Shared fixtures. Real services only: a redis-server and the local control plane are
started once per test run, each test gets a fresh Redis database and namespace.

Markers follow what a test needs, so `-m "not cluster and not redis"` (make test-unit)
starts neither: a test is marked `cluster` or `redis` when it uses a fixture that starts
one (directly or through other fixtures), or lives in a folder whose tests all do."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["fixtures_redis", "fixtures_cluster", "fixtures_stack"]

# kubectl_bin: the control plane's own kubectl, only there once `make controlplane` ran.
_FIXTURE_MARKERS = {"cluster": "cluster", "kubectl_bin": "cluster", "redis_server": "redis"}
_FOLDER_MARKERS = {
    "cluster": ("cluster",),
    "e2e": ("cluster",),
    "bridge": ("cluster", "redis"),
    "redis": ("redis",),
}
_TESTS = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        wanted = {mark for name, mark in _FIXTURE_MARKERS.items() if name in item.fixturenames}
        folder = item.path.relative_to(_TESTS).parts[0] if item.path.is_relative_to(_TESTS) else ""
        wanted.update(_FOLDER_MARKERS.get(folder, ()))
        for mark in sorted(wanted - {m.name for m in item.iter_markers()}):
            item.add_marker(mark)
