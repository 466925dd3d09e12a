"""Fixtures of the claude engine tests: the fake Messages API (a real HTTP peer for the
real SDK), a workspace, a definition and an engine pointed at the fake."""

from __future__ import annotations

from pathlib import Path

import pytest
from claude_support import ALL_TOOLS, API_KEY, SMALL_LIMITS, EngineFactory
from pydantic import SecretStr

from devops_orchestrator.config import Secrets, Settings
from devops_orchestrator.models import AgentDefinition, Briefing
from devops_orchestrator.worker.claude import ClaudeEngine
from devops_orchestrator.worker.claude.context import ToolLimits
from devops_orchestrator.worker.claude.toolbox import Toolbox
from fakes.messages_api import MessagesAPIServer, messages_api
from toolboxes import build_toolbox

__all__ = ["messages_api"]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "workspace"
    folder.mkdir()
    return folder


@pytest.fixture
def definition() -> AgentDefinition:
    return AgentDefinition(
        name="docker-worker",
        description="Containerizes applications",
        tools=ALL_TOOLS,
        model="sonnet",
        system_prompt="You are the docker-worker. Write a Dockerfile for the app.",
    )


@pytest.fixture
def briefing() -> Briefing:
    return Briefing(
        task_name="demo",
        namespace="default",
        worker="docker-worker",
        description="Containerize the Node.js app",
        requirements=["Node.js version: 20", "Port: 3000"],
    )


@pytest.fixture
def waits() -> list[float]:
    """The retry waits the engine asked for (recorded, not slept: tests stay fast)."""
    return []


@pytest.fixture
def make_engine(messages_api: MessagesAPIServer, waits: list[float]) -> EngineFactory:
    """An engine talking to the strict stand-in; keyword arguments override settings."""

    def make(limits: ToolLimits | None = None, **overrides: object) -> ClaudeEngine:
        values: dict[str, object] = {
            "anthropic_base_url": messages_api.base_url,
            "claude_max_retries": 2,
            "claude_timeout_seconds": 60.0,
        }
        values.update(overrides)
        settings = Settings.model_validate(values)
        secrets = Secrets(anthropic_api_key=SecretStr(API_KEY))
        return ClaudeEngine(settings=settings, secrets=secrets, limits=limits, sleep=waits.append)

    return make


@pytest.fixture
def toolbox(workspace: Path) -> Toolbox:
    """Every tool over `workspace`, with small caps, called directly (no model)."""
    return build_toolbox(workspace, SMALL_LIMITS, ALL_TOOLS, secrets=(API_KEY,))
