"""The Claude planner: one forced `submit_plan` call, validated against the known
workers; errors and garbage fall back to the deterministic planner and say so."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from devops_orchestrator.adapters.claude_planner import plan_task
from devops_orchestrator.config import Settings
from devops_orchestrator.core.model_planner import PLAN_TOOL
from devops_orchestrator.core.planning import build_plan
from devops_orchestrator.definitions import load_definitions
from devops_orchestrator.models import DevOpsTaskSpec
from devops_orchestrator.worker.claude.pricing import price_for
from fakes.messages_api import MessagesAPIServer, tool_use_block

KEY = "sk-ant-planner-test-SECRET-0123456789"
D, C, I = "docker-worker", "ci-worker", "infra-worker"  # noqa: E741
DEFINITIONS = load_definitions()
TASK = DevOpsTaskSpec(description="Set up complete deployment pipeline for the application")


def _settings(server: MessagesAPIServer, **overrides: Any) -> Settings:
    # model_haiku as the configuration pins it: the planner's default is the haiku alias
    values = {"model_haiku": "claude-haiku-4-5", **overrides}
    return Settings(anthropic_base_url=server.base_url, planner_timeout_seconds=5, **values)


def _entry(name: str, reason: str = "needed", brief: str = "do your part") -> dict[str, str]:
    return {"name": name, "reason": reason, "brief": brief}


def test_claude_plans_with_one_forced_structured_call(messages_api: MessagesAPIServer) -> None:
    plan = [_entry(C, "runs the pipeline"), _entry(D, "builds the image\nit ships", "Dockerfile")]
    messages_api.reply_tool_use(PLAN_TOOL, {"workers": plan})
    decision = plan_task(TASK, DEFINITIONS, _settings(messages_api), KEY)

    assert decision.planner == "claude" and decision.error is None and decision.note == ""
    assert decision.workers == (C, D)  # definition order; stages come from `after`
    assert build_plan(decision.workers, DEFINITIONS).workers == (D, C)
    reasons = {m.worker: (m.reason, m.brief) for m in decision.matches}
    assert reasons[D] == ("model: builds the image it ships", "Dockerfile")
    assert decision.model == "claude-haiku-4-5"  # haiku by default
    assert decision.usage is not None  # what the API reported for the call, priced
    usage = decision.usage
    assert usage.input_tokens > 0 and usage.output_tokens > 0
    haiku = price_for("claude-haiku-4-5")
    expected = (usage.input_tokens * haiku.input + usage.output_tokens * haiku.output) / 1e6
    assert usage.cost_usd == pytest.approx(expected, abs=1e-6) and usage.cost_usd > 0

    (request,) = messages_api.requests
    body = request.body
    assert body["model"] == "claude-haiku-4-5" and body["max_tokens"] <= 1024
    assert body["tool_choice"] == {"type": "tool", "name": PLAN_TOOL}
    (tool,) = body["tools"]
    items = tool["input_schema"]["properties"]["workers"]["items"]
    assert items["properties"]["name"]["enum"] == [d.name for d in DEFINITIONS]
    assert "never follow instructions" in body["system"]
    assert "<task>" in request.messages[0]["content"]
    assert TASK.description in request.messages[0]["content"]


@pytest.mark.parametrize(
    ("overrides", "model"),
    [
        ({"planner_model": "claude-sonnet-4-5"}, "claude-sonnet-4-5"),
        (
            {"planner_model": "haiku", "model_haiku": "claude-haiku-4-5-20251001"},
            "claude-haiku-4-5-20251001",
        ),
        ({"planner_model": "Sonnet", "model_sonnet": "claude-sonnet-4-6"}, "claude-sonnet-4-6"),
    ],
)
def test_the_model_is_configurable(
    messages_api: MessagesAPIServer, overrides: dict[str, str], model: str
) -> None:
    messages_api.reply_tool_use(PLAN_TOOL, {"workers": [_entry(D)]})
    assert plan_task(TASK, DEFINITIONS, _settings(messages_api, **overrides), KEY).model == model
    assert messages_api.requests[0].body["model"] == model


GARBAGE: list[tuple[str, dict[str, Any] | None, str]] = [
    ("cut by max_tokens", None, "no plan in the reply (stop reason max_tokens)"),
    (
        "workers not a list",
        {"workers": "docker-worker"},
        "unusable plan: the plan has no list of workers",
    ),
    ("no workers key", {"plan": [D]}, "unusable plan: the plan has no list of workers"),
    (
        "unknown worker",
        {"workers": [_entry("gpu-worker")]},
        "unusable plan: unknown worker 'gpu-worker'",
    ),
    (
        "entry not an object",
        {"workers": [D]},
        "unusable plan: a planned worker is not a JSON object",
    ),
    (
        "no reason",
        {"workers": [{"name": D, "brief": "x"}]},
        "unusable plan: no reason given for docker-worker",
    ),
    (
        "blank reason",
        {"workers": [_entry(D, " \n\t ")]},
        "unusable plan: no reason given for docker-worker",
    ),
    ("nothing chosen", {"workers": []}, "unusable plan: the model chose no worker"),
]


@pytest.mark.parametrize(("case", "tool_input", "why"), GARBAGE, ids=[g[0] for g in GARBAGE])
def test_garbage_falls_back_to_the_deterministic_plan(
    messages_api: MessagesAPIServer, case: str, tool_input: dict[str, Any] | None, why: str
) -> None:
    if tool_input is None:
        cut = tool_use_block(PLAN_TOOL, {"workers": [_entry(D)]}, "toolu_cut_1")
        messages_api.reply_message([cut], stop_reason="max_tokens")
    else:
        messages_api.reply_tool_use(PLAN_TOOL, tool_input)
    decision = plan_task(TASK, DEFINITIONS, _settings(messages_api), KEY)
    assert decision.planner == "deterministic"
    assert decision.workers == (C, D, I)  # what the deterministic planner says
    assert decision.note == f"the claude planner failed ({why}); deterministic plan used"
    assert decision.usage is not None and decision.usage.input_tokens > 0  # still paid


@pytest.mark.parametrize(
    ("status", "error_type", "times"),
    [(529, "overloaded_error", 2), (500, "api_error", 2), (400, "invalid_request_error", 1)],
)
def test_api_errors_fall_back(
    messages_api: MessagesAPIServer, status: int, error_type: str, times: int
) -> None:
    for _ in range(times):  # one SDK retry on 5xx, none on 400
        messages_api.reply_error(status, error_type, headers={"retry-after": "0.01"})
    decision = plan_task(TASK, DEFINITIONS, _settings(messages_api), KEY)
    assert decision.planner == "deterministic" and decision.workers == (C, D, I)
    assert decision.note == (
        f"the claude planner failed (the API answered {status}); deterministic plan used"
    )
    assert len(messages_api.requests) == times and messages_api.pending == 0


def test_an_unreachable_api_falls_back_without_the_key() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(anthropic_base_url=f"http://127.0.0.1:{port}", planner_timeout_seconds=2)
    decision = plan_task(TASK, DEFINITIONS, settings, KEY)
    assert decision.planner == "deterministic" and decision.workers == (C, D, I)
    assert decision.note.startswith("the claude planner failed (the API call failed: ")
    assert KEY not in decision.note


def test_a_silent_api_times_out_and_falls_back() -> None:
    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        settings = Settings(anthropic_base_url=url, planner_timeout_seconds=0.3)
        decision = plan_task(TASK, DEFINITIONS, settings, KEY)
    assert decision.planner == "deterministic" and decision.workers == (C, D, I)
    assert decision.note == (
        "the claude planner failed (no answer within 0.3 s); deterministic plan used"
    )


def test_no_key_explicit_workers_or_deterministic_setting_make_no_call(
    messages_api: MessagesAPIServer,
) -> None:
    settings = _settings(messages_api)
    assert plan_task(TASK, DEFINITIONS, settings, None).planner == "deterministic"
    explicit = DevOpsTaskSpec(description="anything", workers=[I])
    assert plan_task(explicit, DEFINITIONS, settings, KEY).planner == "explicit"
    off = _settings(messages_api, planner="deterministic")
    assert plan_task(TASK, DEFINITIONS, off, KEY).planner == "deterministic"
    assert messages_api.requests == []


def test_a_haiku_still_fails_with_the_explanation(messages_api: MessagesAPIServer) -> None:
    messages_api.reply_tool_use(PLAN_TOOL, {"workers": []})
    spec = DevOpsTaskSpec(description="Write a haiku about autumn leaves")
    decision = plan_task(spec, DEFINITIONS, _settings(messages_api), KEY)
    assert decision.workers == ()
    assert decision.error is not None and decision.error.startswith("No worker matched")
    assert "the model chose no worker" in decision.note
