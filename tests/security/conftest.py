"""Fixtures of the red-team suite: a workspace, every tool over it (called directly, as
a hijacked model would call them), and the Messages API stand-in for the engine runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from devops_orchestrator.worker.claude.context import ToolLimits
from devops_orchestrator.worker.claude.toolbox import TOOLS, Toolbox
from fakes.messages_api import messages_api
from toolboxes import build_toolbox

__all__ = ["messages_api"]

LIMITS = ToolLimits(search_max_seconds=1.0, bash_default_timeout=20.0)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "workspace"
    folder.mkdir()
    return folder


@pytest.fixture
def toolbox(workspace: Path) -> Toolbox:
    return build_toolbox(workspace, LIMITS, list(TOOLS))
