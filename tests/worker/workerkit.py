"""Helpers of the worker tests (a uniquely named module: every test folder has a conftest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devops_orchestrator.models import Briefing, EngineName

APPS = Path(__file__).parent / "apps"


def make_briefing(
    worker: str, description: str = "Containerize the application", **extra: Any
) -> Briefing:
    return Briefing(
        task_name=extra.pop("task_name", "shop"),
        namespace=extra.pop("namespace", "default"),
        worker=worker,
        description=description,
        engine=EngineName.GENERATOR,
        **extra,
    )
