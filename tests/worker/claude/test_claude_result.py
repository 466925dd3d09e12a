"""The final JSON: parsed into a WorkerResult; an unusable one gets exactly one repair
turn; still unusable is an EngineError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from claude_support import EngineFactory

from devops_orchestrator.models import AgentDefinition, Briefing
from devops_orchestrator.worker.claude.result import ResultError, extract_json, parse_result
from devops_orchestrator.worker.engine import EngineError
from fakes.messages_api import MessagesAPIServer


def test_an_invalid_final_answer_is_repaired(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_text('Done! {"summary": "x", "files_created": "Dockerfile"}', usage=(5, 5))
    messages_api.reply_text('```json\n{"summary": "repaired", "files_created": []}\n```')

    result = make_engine().run(briefing, definition, workspace)

    assert result.summary == "repaired"
    assert result.usage is not None and result.usage.input_tokens == 15
    first, repair = messages_api.requests
    assert "tool_choice" not in first.body
    assert repair.body["tool_choice"] == {"type": "none"}
    last = repair.messages[-1]
    assert last["role"] == "user"
    assert "could not be used" in last["content"]
    assert "files_created" in last["content"]  # the validation error is sent back
    assert repair.messages[-2]["content"][0]["text"].startswith("Done!")


def test_a_second_invalid_answer_is_an_engine_error(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_text("I wrote the Dockerfile.")
    messages_api.reply_text("Sorry, here it is: summary = done")
    messages_api.reply_text(json.dumps({"summary": "too late"}))

    with pytest.raises(EngineError, match="no valid JSON result after the repair turn"):
        make_engine().run(briefing, definition, workspace)

    assert len(messages_api.requests) == 2  # exactly one repair turn
    assert messages_api.pending == 1


def test_a_turn_limit_asks_for_the_result_without_tools(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    for index in range(2):
        messages_api.reply_tool_use("Write", {"path": f"f{index}.txt", "content": "x"})
    messages_api.reply_text(json.dumps({"summary": "partial"}))

    result = make_engine(claude_max_turns=2).run(briefing, definition, workspace)

    assert result.summary == "partial"
    assert result.files_created == ["f0.txt", "f1.txt"]
    assert any(i.validator == "claude-engine" and "turns" in i.message for i in result.issues)
    last = messages_api.requests[-1]
    assert last.body["tool_choice"] == {"type": "none"}
    assert last.tool_results()[0]["is_error"] is False  # the last tool call still answered
    assert "limit of this run is reached" in last.messages[-1]["content"][-1]["text"]


def test_a_token_budget_is_enforced(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_tool_use("Glob", {"pattern": "*"}, usage=(900, 200))
    messages_api.reply_text(json.dumps({"summary": "stopped"}))

    result = make_engine(claude_max_tokens_total=1000).run(briefing, definition, workspace)

    assert any("tokens limit" in i.message for i in result.issues)
    assert len(messages_api.requests) == 2


def test_the_wall_clock_is_enforced(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_tool_use("Bash", {"command": "sleep 1.2"})
    messages_api.reply_text(json.dumps({"summary": "never read"}))

    with pytest.raises(EngineError, match="wall clock limit"):
        make_engine(claude_timeout_seconds=1.0).run(briefing, definition, workspace)

    assert len(messages_api.requests) == 1


@pytest.mark.parametrize(
    ("text", "summary"),
    [
        ('{"summary": "bare"}', "bare"),
        ('Here:\n```json\n{"summary": "fenced"}\n```\n', "fenced"),
        ('```\n{"summary": "plain fence"}\n```', "plain fence"),
        ('I used {"a": 1} then\n{"summary": "last", "x": {"y": 2}}', "last"),
        ('{"summary": "ignores braces { in strings }"} done', "ignores braces { in strings }"),
    ],
)
def test_parse_result_finds_the_object(text: str, summary: str) -> None:
    assert parse_result(text).summary == summary


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("no json at all", "no JSON object"),
        ("```json\n{broken\n```", "not valid JSON"),
        ('{"files_created": []}', "summary"),
        ('{"summary": "x", "issues": [{"severity": "fatal", "message": "m"}]}', "issues.0"),
    ],
)
def test_parse_result_says_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ResultError, match=problem):
        parse_result(text)


def test_engine_fields_claimed_by_the_model_are_dropped() -> None:
    result = parse_result('{"summary": "s", "engine": "gpt", "git_commit": "abc"}')
    assert (result.engine, result.git_commit) == (None, None)
    assert extract_json('{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}
