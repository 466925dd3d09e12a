"""Fixtures of the worker tests: sample applications copied into a workspace, briefings."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devops_orchestrator.config import get_settings
from devops_orchestrator.models import Briefing, EngineName

APPS = Path(__file__).parent / "apps"


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every worker test runs standalone: no cluster, no API key, fresh settings."""
    for name in ("POD_NAMESPACE", "ANTHROPIC_API_KEY", "DEVOPS_AGENTS_DIR", "GIT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def copy_app(tmp_path: Path) -> Callable[[str], Path]:
    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(APPS / name, target)
        return target

    return copy


def make_briefing(worker: str, description: str = "Containerize the application", **extra: Any) -> (
    Briefing
):
    return Briefing(
        task_name=extra.pop("task_name", "shop"),
        namespace="default",
        worker=worker,
        description=description,
        engine=EngineName.GENERATOR,
        **extra,
    )
