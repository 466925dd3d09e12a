"""The Claude planner in the real operator: the operator process has an API key and the
Messages API stand-in as its endpoint; the plan it stores is the model's, validated, and
a garbage answer falls back to the deterministic planner in plain sight."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

from devops_orchestrator.core.model_planner import PLAN_TOOL
from e2e.operator_process import real_worker_settings
from e2e.taskutil import Tasks, job_worker
from fakes.messages_api import MessagesAPIServer

KEY = "sk-ant-e2e-planner-SECRET-0123456789"
OPERATOR_SETTINGS: dict[str, str] = {}
_API = MessagesAPIServer()


@pytest.fixture(scope="module", autouse=True)
def messages_api_for_the_operator() -> Iterator[MessagesAPIServer]:
    """Started before the module's operator, which reads OPERATOR_SETTINGS at start."""
    module: ModuleType = sys.modules[__name__]
    module.OPERATOR_SETTINGS.update(
        {
            **real_worker_settings(),
            "ANTHROPIC_API_KEY": KEY,
            "DEVOPS_ANTHROPIC_BASE_URL": _API.base_url,
            "DEVOPS_MODEL_HAIKU": "claude-haiku-4-5",
        }
    )
    with _API:
        yield _API


def test_the_operator_runs_the_plan_the_model_chose(tasks: Tasks) -> None:
    brief = "Write a multi-stage Dockerfile for the Node.js app"
    plan = [{"name": "docker-worker", "reason": "the app needs an image", "brief": brief}]
    _API.reply_tool_use(PLAN_TOOL, {"workers": plan})
    tasks.create(
        "claude-plan",
        description="Set up complete deployment pipeline for the application",
        engine="generator",
    )
    status = tasks.wait_final("claude-plan", timeout=180)
    assert status["phase"] == "Succeeded", tasks.describe("claude-plan")
    stored = status["plan"]
    assert (stored["planner"], stored["stages"]) == ("claude", [["docker-worker"]])
    assert stored["workers"]["docker-worker"]["reason"] == "model: the app needs an image"
    usage = stored["usage"]
    assert usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    assert [job_worker(j) for j in tasks.jobs("claude-plan")] == ["docker-worker"]
    explained = "Planned [docker-worker] by the claude planner: docker-worker: model: the app"
    planned = next(c for c in status["conditions"] if c["type"] == "Planned")
    assert planned["message"] == explained + " needs an image"
    assert any(explained in (e.message or "") for e in tasks.events("claude-plan"))
    request = _API.requests[-1]
    assert request.body["tool_choice"] == {"type": "tool", "name": PLAN_TOOL}
    assert KEY not in tasks.describe("claude-plan")


def test_a_garbage_answer_falls_back_and_a_haiku_still_fails(tasks: Tasks) -> None:
    _API.reply_tool_use(PLAN_TOOL, {"workers": [{"name": "poet-worker", "reason": "verse"}]})
    tasks.create("haiku", description="Write a haiku about autumn leaves", engine="generator")
    status = tasks.wait_final("haiku", timeout=60)
    assert status["phase"] == "Failed", tasks.describe("haiku")
    assert status["message"].startswith("No worker matched")
    assert (
        "the claude planner failed (unusable plan: unknown worker 'poet-worker')"
        in (status["message"])
    )
    billed = _API.requests[-1].usage  # the garbage answer still cost its tokens
    assert status["usage"]["tokens"] == billed["input_tokens"] + billed["output_tokens"] + (
        billed["cache_read_input_tokens"] + billed["cache_creation_input_tokens"]
    )
    assert status["result"]["usage"]["total_tokens"] == status["usage"]["tokens"]
