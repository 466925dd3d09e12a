"""The result comes through submit_result: its schema (WorkerResult plus the worker's own
fields), refused submissions, and the limits (turns, tokens, cost, time) that force it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from claude_support import EngineFactory

from devops_orchestrator.definitions import get_definition
from devops_orchestrator.models import AgentDefinition, Briefing, TaskBudget, WorkerResult
from devops_orchestrator.worker.claude.result import (
    ENGINE_FIELDS,
    ResultError,
    build_submit_tool,
    parse_submission,
)
from fakes.messages_api import MessagesAPIServer

FORCED = {"type": "tool", "name": "submit_result"}


def test_the_schema_is_workerresult_plus_the_workers_fields() -> None:
    tool = build_submit_tool(get_definition("docker-worker"))
    schema = tool["input_schema"]
    jsonschema.Draft202012Validator.check_schema(schema)
    properties = schema["properties"]
    model_fields = set(WorkerResult.model_fields) - ENGINE_FIELDS
    assert model_fields <= set(properties)
    assert not ENGINE_FIELDS & set(properties)
    assert properties["docker_config"] == {"type": "object"}  # from the definition's example
    assert properties["image"] == {}  # passed downstream, not in the example: any JSON value
    assert properties["build_commands"] == {"type": "array"}
    assert schema["required"] == ["summary"]
    assert properties["issues"]["items"]["properties"]["severity"]["enum"] == [
        "error",
        "warning",
        "info",
    ]


def test_parse_submission_drops_engine_fields_and_says_what_is_wrong() -> None:
    result = parse_submission({"summary": "s", "engine": "gpt", "git_commit": "abc", "x": 1})
    assert (result.summary, result.engine, result.git_commit) == ("s", None, None)
    assert result.model_extra == {"x": 1}
    with pytest.raises(ResultError, match="'summary' must be a non-empty string"):
        parse_submission({"summary": "  "})
    with pytest.raises(ResultError, match=r"issues\.0\.severity"):
        parse_submission({"summary": "s", "issues": [{"severity": "fatal", "message": "m"}]})
    with pytest.raises(ResultError, match="JSON object"):
        parse_submission(["summary"])


def test_a_refused_submission_is_fixed_by_the_model(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    first = messages_api.reply_submit({"summary": "x", "files_created": "Dockerfile"})
    messages_api.reply_submit({"summary": "repaired", "files_created": []})

    result = make_engine().run(briefing, definition, workspace)

    assert result.summary == "repaired"
    (refused,) = messages_api.requests[1].tool_results()
    assert refused["tool_use_id"] == first and refused["is_error"] is True
    assert "files_created" in refused["content"]


def test_a_turn_limit_forces_the_result(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    for index in range(2):
        messages_api.reply_tool_use("Write", {"path": f"f{index}.txt", "content": "x"})
    messages_api.reply_submit({"summary": "partial"})

    result = make_engine(claude_max_turns=2).run(briefing, definition, workspace)

    assert result.summary == "partial"
    assert result.files_created == ["f0.txt", "f1.txt"]
    assert any(i.validator == "claude-engine" and "turns" in i.message for i in result.issues)
    assert result.budget_exceeded is None  # a run limit, not the task's budget
    last = messages_api.requests[-1]
    assert last.body["tool_choice"] == FORCED
    assert last.tool_results()[0]["is_error"] is False  # the last tool call still answered
    assert "limit of this run is reached" in last.last_texts()[-1]


def test_a_definitions_max_turns_caps_the_run(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_tool_use("Glob", {"pattern": "*"})
    messages_api.reply_submit({"summary": "one turn of work"})
    capped = definition.model_copy(update={"max_turns": 1})

    result = make_engine(claude_max_turns=40).run(briefing, capped, workspace)

    assert result.summary == "one turn of work"
    assert [r.body.get("tool_choice") for r in messages_api.requests] == [None, FORCED]


def test_a_cost_budget_forces_the_result_before_it_is_spent(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    for _ in range(2):
        messages_api.reply_tool_use("Glob", {"pattern": "*"})
    messages_api.reply_submit({"summary": "stopped"})  # the third turn must be the result
    # The first turn costs about $0.005 (1.3k tokens written to the cache at $3.75/M),
    # later ones about $0.0004 (read from the cache at $0.30/M); the forced one about
    # $0.002 (its new tool_choice reads only the tools and the system prompt from the
    # cache and pays the conversation at the input price).
    budgeted = briefing.model_copy(update={"budget": TaskBudget(max_cost_usd=0.009)})

    result = make_engine().run(budgeted, definition, workspace)

    assert result.budget_exceeded == "cost"
    assert result.usage is not None and result.usage.cost_usd <= 0.009
    assert [r.body.get("tool_choice") for r in messages_api.requests] == [None, None, FORCED]


def test_a_token_budget_forces_the_result(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_tool_use("Glob", {"pattern": "*"})
    messages_api.reply_submit({"summary": "stopped"})  # a third turn would not fit
    budgeted = briefing.model_copy(update={"budget": TaskBudget(max_tokens=4000)})

    result = make_engine().run(budgeted, definition, workspace)

    assert result.budget_exceeded == "tokens"
    assert result.usage is not None and result.usage.total_tokens <= 4000
    assert [r.body.get("tool_choice") for r in messages_api.requests] == [None, FORCED]


def test_the_deadline_asks_for_the_result_before_it(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_tool_use("Bash", {"command": "sleep 30", "timeout": 600})
    messages_api.reply_submit({"summary": "out of time"})
    soon = briefing.model_copy(update={"deadline": datetime.now(UTC) + timedelta(seconds=4)})

    result = make_engine(claude_submit_reserve_seconds=60).run(soon, definition, workspace)

    assert result.summary == "out of time"
    (bash,) = messages_api.requests[1].tool_results()
    assert "timed out after" in bash["content"]  # Bash got only the time left, not 600 s
    assert messages_api.requests[1].body["tool_choice"] == FORCED
    assert any("time limit" in i.message for i in result.issues)


def test_a_passed_deadline_fails_before_any_request(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    from devops_orchestrator.worker.engine import EngineError

    late = briefing.model_copy(update={"deadline": datetime.now(UTC) - timedelta(seconds=1)})
    with pytest.raises(EngineError, match="deadline has passed"):
        make_engine().run(late, definition, workspace)
    assert messages_api.requests == []


@pytest.mark.parametrize("budget", [TaskBudget(max_cost_usd=0.012), TaskBudget(max_tokens=9000)])
def test_a_model_that_never_stops_stays_within_the_budget(
    budget: TaskBudget,
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_until_forced("Glob", {"pattern": "*"}, {"summary": "stopped"})

    result = make_engine().run(
        briefing.model_copy(update={"budget": budget}), definition, workspace
    )

    usage = result.usage
    assert usage is not None and len(messages_api.requests) > 3  # it did work for a while
    assert result.budget_exceeded in ("cost", "tokens")
    if budget.max_cost_usd is not None:
        assert usage.cost_usd <= budget.max_cost_usd
    if budget.max_tokens is not None:
        assert usage.total_tokens <= budget.max_tokens
    assert messages_api.requests[-1].body["tool_choice"] == FORCED
