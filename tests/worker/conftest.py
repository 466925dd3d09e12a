"""Fixtures of the worker tests: sample applications copied into a workspace, briefings."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from workerkit import APPS

from devops_orchestrator.config import get_settings


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every worker test runs standalone: no cluster, no API key, fresh settings; and
    without checkov, which takes seconds to start, and without the server dry run: the
    tests of those ask for them (`with_checkov`, their own cluster)."""
    for name in ("POD_NAMESPACE", "ANTHROPIC_API_KEY", "DEVOPS_AGENTS_DIR", "GIT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEVOPS_CHECKOV_ENABLED", "false")
    monkeypatch.setenv("DEVOPS_KUBERNETES_DRY_RUN", "false")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def with_checkov(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVOPS_CHECKOV_ENABLED", "true")
    get_settings.cache_clear()


@pytest.fixture
def copy_app(tmp_path: Path) -> Callable[[str], Path]:
    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(APPS / name, target)
        return target

    return copy
