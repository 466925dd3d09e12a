"""Errors of the Messages API, one test each: overload, rate limits and server errors are
retried inside the engine with the conversation kept (waits follow retry-after and never
run past the time left); a request too large or a prompt too long clears old tool
results; anything else fails the attempt with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
from claude_support import EngineFactory

from devops_orchestrator.models import AgentDefinition, Briefing
from devops_orchestrator.worker.claude.retry import parse_retry_after, retry_delay
from devops_orchestrator.worker.engine import EngineError
from fakes.messages_api import TOO_LARGE_HTML, MessagesAPIServer
from fakes.messages_rules import known_models

DONE = {"summary": "done"}


@pytest.mark.parametrize(
    ("status", "error_type", "headers", "wait"),
    [
        (529, "overloaded_error", {"retry-after": "3"}, 3.0),
        (529, "overloaded_error", {}, 1.0),  # backoff: 1 s for the first retry
        (429, "rate_limit_error", {"retry-after": "7"}, 7.0),
        (429, "rate_limit_error", {"retry-after-ms": "250"}, 0.25),
        (429, "rate_limit_error", {}, 1.0),
        (500, "api_error", {}, 1.0),
        (503, "api_error", {"retry-after": "2"}, 2.0),
    ],
)
def test_a_transient_error_is_retried_with_the_conversation_kept(
    status: int,
    error_type: str,
    headers: dict[str, str],
    wait: float,
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    waits: list[float],
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_tool_use("Glob", {"pattern": "*"})
    messages_api.reply_error(status, error_type, headers=headers)
    messages_api.reply_submit(DONE)

    result = make_engine().run(briefing, definition, workspace)

    assert result.summary == "done"
    failed, retried = messages_api.requests[1:]
    assert failed.body == retried.body  # the same turn, sent again
    assert waits == [wait]


def test_an_error_event_inside_a_stream_is_retried(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    waits: list[float],
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_stream_error("overloaded_error")
    messages_api.reply_submit(DONE)

    assert make_engine().run(briefing, definition, workspace).summary == "done"
    assert len(messages_api.requests) == 2 and waits == [1.0]


def test_retries_are_bounded_then_engine_error(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    waits: list[float],
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    for _ in range(3):
        messages_api.reply_error(529, "overloaded_error", "Overloaded")

    with pytest.raises(EngineError, match="Messages API error 529: Overloaded"):
        make_engine(claude_max_retries=2).run(briefing, definition, workspace)

    assert len(messages_api.requests) == 3  # one try and two retries
    assert waits == [1.0, 2.0]


def test_a_retry_after_beyond_the_time_left_is_not_waited_for(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    waits: list[float],
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_error(429, "rate_limit_error", headers={"retry-after": "3600"})

    with pytest.raises(EngineError, match="429"):
        make_engine(claude_timeout_seconds=60.0).run(briefing, definition, workspace)

    assert waits == [] and len(messages_api.requests) == 1


def test_a_client_error_is_not_retried(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_error(401, "authentication_error", "invalid x-api-key")

    with pytest.raises(EngineError, match="refused the API key"):
        make_engine().run(briefing, definition, workspace)

    assert len(messages_api.requests) == 1


def test_request_too_large_clears_old_tool_results(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    for name in ("a.txt", "b.txt"):
        (workspace / name).write_text(f"{name} content\n" * 100)
    messages_api.reply_tool_use("Read", {"path": "a.txt"})
    messages_api.reply_tool_use("Read", {"path": "b.txt"})
    messages_api.reply_raw(413, TOO_LARGE_HTML)  # the edge proxy's page, not JSON
    messages_api.reply_submit(DONE)

    assert make_engine().run(briefing, definition, workspace).summary == "done"
    retried = messages_api.requests[3]
    assert retried.messages[2]["content"][0]["content"].startswith("[cleared to save context")


def test_request_too_large_with_nothing_to_clear_fails_clearly(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_raw(413, TOO_LARGE_HTML)
    with pytest.raises(EngineError, match=r"no longer fits the model.*413"):
        make_engine().run(briefing, definition, workspace)


def test_prompt_too_long_clears_old_tool_results(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    (workspace / "big.txt").write_text("a line of the big file\n" * 400)  # ~3000 tokens
    (workspace / "small.txt").write_text("a line of the small file\n" * 100)  # ~800 tokens
    messages_api.models = known_models(5000)
    messages_api.reply_tool_use("Read", {"path": "big.txt"})
    messages_api.reply_tool_use("Read", {"path": "small.txt"})
    messages_api.reply_submit(DONE)  # refused (prompt too long), then served after trimming

    result = make_engine(claude_max_output_tokens=200).run(briefing, definition, workspace)

    assert result.summary == "done"
    too_long, trimmed = messages_api.requests[2:]
    assert too_long.usage == {}  # refused: no answer
    assert trimmed.messages[2]["content"][0]["content"].startswith("[cleared to save context")


def test_an_unknown_model_fails_clearly(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    odd = definition.model_copy(update={"model": "claude-imaginary-9"})
    with pytest.raises(EngineError, match="Messages API error 404: model: claude-imaginary-9"):
        make_engine().run(briefing, odd, workspace)


def test_no_key_is_an_engine_error(
    workspace: Path, definition: AgentDefinition, briefing: Briefing
) -> None:
    from devops_orchestrator.config import Secrets, Settings
    from devops_orchestrator.worker.claude import ClaudeEngine

    engine = ClaudeEngine(settings=Settings(), secrets=Secrets(anthropic_api_key=None))
    with pytest.raises(EngineError, match="ANTHROPIC_API_KEY"):
        engine.run(briefing, definition, workspace)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "12"}, 12.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"retry-after-ms": "300", "retry-after": "9"}, 0.3),
        ({"retry-after": "Thu, 01 Jan 1970 00:01:40 GMT"}, 40.0),  # a date, now = 60
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], seconds: float | None) -> None:
    assert parse_retry_after(headers, now=60.0) == seconds


def test_retry_delay_backs_off_and_respects_the_time_left() -> None:
    assert [retry_delay(n, None, 1000) for n in (1, 2, 3, 8)] == [1.0, 2.0, 4.0, 60.0]
    assert retry_delay(1, 5.0, 1000) == 5.0
    assert retry_delay(1, 5.0, 4.0) is None
    assert retry_delay(3, None, 3.0) is None
    assert retry_delay(1, None, 0) is None
