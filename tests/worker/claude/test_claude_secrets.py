"""The API key reaches the SDK only: not the Bash environment, not tool outputs, not the
logs, not the result."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from claude_support import API_KEY
from pydantic import SecretStr

from devops_orchestrator.config import Secrets, Settings
from devops_orchestrator.models import AgentDefinition, Briefing
from devops_orchestrator.worker.claude import ClaudeEngine
from devops_orchestrator.worker.engine import EngineError
from fakes.messages_api import MessagesAPIServer, presented_key


def test_the_key_never_leaves_the_engine(
    messages_api: MessagesAPIServer,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # the SDK's and httpx's debug logs included
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)  # as the Secret sets it in a Job
    (workspace / ".env").write_text(f"ANTHROPIC_API_KEY={API_KEY}\n")  # left by a person
    messages_api.reply_tool_uses(
        [
            ("Bash", {"command": "env; printenv ANTHROPIC_API_KEY; echo done"}),
            ("Read", {"path": ".env"}),
            ("Grep", {"pattern": "sk-ant"}),
        ]
    )
    messages_api.reply_submit({"summary": "looked around"})
    settings = Settings(anthropic_base_url=messages_api.base_url)

    result = ClaudeEngine(settings=settings, secrets=Secrets()).run(briefing, definition, workspace)

    assert presented_key(messages_api.requests[0].headers) == API_KEY  # it did authenticate
    bash, read, grep = messages_api.requests[1].tool_results()
    assert "done" in bash["content"]
    assert "ANTHROPIC" not in bash["content"]
    assert "[redacted]" in read["content"] and "[redacted]" in grep["content"]
    sent_back = json.dumps(messages_api.requests[1].body)
    assert API_KEY not in sent_back
    assert API_KEY not in result.model_dump_json()
    assert caplog.records  # the engine and the SDK did log
    assert API_KEY not in caplog.text


def test_api_errors_do_not_carry_the_key(
    messages_api: MessagesAPIServer,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    messages_api.reply_error(400, "invalid_request_error", f"bad key {API_KEY} echoed")
    settings = Settings(anthropic_base_url=messages_api.base_url)
    engine = ClaudeEngine(settings=settings, secrets=Secrets(anthropic_api_key=SecretStr(API_KEY)))

    with pytest.raises(EngineError) as caught:
        engine.run(briefing, definition, workspace)

    assert "400" in str(caught.value)
    assert API_KEY not in str(caught.value)
    assert API_KEY not in caplog.text
