"""429, 529 and 5xx answers are retried by the SDK with backoff, honouring retry-after;
what stays failed becomes an EngineError."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from claude_support import EngineFactory

from devops_orchestrator.models import AgentDefinition, Briefing
from devops_orchestrator.worker.engine import EngineError
from fakes.messages_api import MessagesAPIServer

DONE = json.dumps({"summary": "done"})


@pytest.mark.parametrize(
    ("status", "error_type"),
    [(529, "overloaded_error"), (429, "rate_limit_error"), (500, "api_error"), (503, "api_error")],
)
def test_a_transient_error_is_retried(
    status: int,
    error_type: str,
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_error(status, error_type, headers={"retry-after": "0.01"})
    messages_api.reply_text(DONE)

    result = make_engine().run(briefing, definition, workspace)

    assert result.summary == "done"
    first, second = messages_api.requests
    assert first.body == second.body  # the same request, sent again
    assert second.headers["x-stainless-retry-count"] == "1"


def test_retry_after_is_respected(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_error(529, "overloaded_error", headers={"retry-after": "0.6"})
    messages_api.reply_text(DONE)

    started = time.monotonic()
    make_engine().run(briefing, definition, workspace)

    assert time.monotonic() - started >= 0.6
    assert len(messages_api.requests) == 2


def test_retries_are_bounded_then_engine_error(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    for _ in range(3):
        messages_api.reply_error(
            529, "overloaded_error", "Overloaded", headers={"retry-after": "0.01"}
        )

    with pytest.raises(EngineError, match="529"):
        make_engine(claude_max_retries=2).run(briefing, definition, workspace)

    assert len(messages_api.requests) == 3  # one try and two retries


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


def test_no_key_is_an_engine_error(
    workspace: Path, definition: AgentDefinition, briefing: Briefing
) -> None:
    from devops_orchestrator.config import Secrets, Settings
    from devops_orchestrator.worker.claude import ClaudeEngine

    engine = ClaudeEngine(settings=Settings(), secrets=Secrets(anthropic_api_key=None))
    with pytest.raises(EngineError, match="ANTHROPIC_API_KEY"):
        engine.run(briefing, definition, workspace)
