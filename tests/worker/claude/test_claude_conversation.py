"""The whole loop through the real SDK against the strict stand-in: tool use,
validation, the result through submit_result, streaming, caching, usage and cost."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from claude_support import API_KEY, EngineFactory

from devops_orchestrator.models import AgentDefinition, Briefing, Severity
from fakes.messages_api import MessagesAPIServer, presented_key

DOCKERFILE = """\
FROM node:20.11-alpine3.19
WORKDIR /app
COPY package*.json ./
RUN npm ci --omit=dev
COPY . .
USER 1000
EXPOSE 3000
CMD ["node", "index.js"]
"""

RESULT = {
    "summary": "Wrote a Dockerfile for the Node.js app",
    "files_created": ["Dockerfile"],
    "issues": [],
    "docker_config": {"base_image": "node:20.11-alpine3.19", "port": 3000},
}


def test_writes_validates_and_submits(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="devops_orchestrator.worker.claude.run")
    write_id = messages_api.reply_tool_use("Write", {"path": "Dockerfile", "content": DOCKERFILE})
    validate_id = messages_api.reply_tool_use("validate", {"files": ["Dockerfile"]})
    messages_api.reply_submit(RESULT, text="All checks pass.")

    result = make_engine().run(briefing, definition, workspace)

    assert (workspace / "Dockerfile").read_text() == DOCKERFILE
    assert result.files_created == ["Dockerfile"]
    assert result.files_modified == []
    assert result.summary == RESULT["summary"]
    assert (result.engine, result.model) == ("claude", "claude-sonnet-5-5")  # the pinned id
    assert result.model_extra == {"docker_config": RESULT["docker_config"]}

    first, second, third = messages_api.requests
    assert presented_key(first.headers) == API_KEY
    assert all(r.body["stream"] is True for r in messages_api.requests)
    assert first.body["model"] == "claude-sonnet-5-5"
    assert "You are the docker-worker" in first.body["system"][0]["text"]
    assert "submit_result" in first.body["system"][0]["text"]
    assert "Node.js version: 20" in first.messages[0]["content"][0]["text"]
    assert [t["name"] for t in first.body["tools"]] == [*definition.tools, "submit_result"]
    (write_result,) = second.tool_results()
    assert write_result["tool_use_id"] == write_id
    assert write_result["is_error"] is False
    assert "created Dockerfile" in write_result["content"]
    (validate_result,) = third.tool_results()
    assert validate_result["tool_use_id"] == validate_id
    assert validate_result["content"] == "no issues in Dockerfile"

    # Usage: the sum of what the stand-in reported, and a cost from the price table.
    usage = result.usage
    assert usage is not None
    reported = [r.usage for r in messages_api.requests]
    assert usage.input_tokens == sum(u["input_tokens"] for u in reported)
    assert usage.output_tokens == sum(u["output_tokens"] for u in reported)
    assert usage.cache_write_tokens == sum(u["cache_creation_input_tokens"] for u in reported)
    assert usage.cache_read_tokens == sum(u["cache_read_input_tokens"] for u in reported)
    expected = (
        usage.input_tokens * 3
        + usage.output_tokens * 15
        + usage.cache_write_tokens * 3.75
        + usage.cache_read_tokens * 0.3
    ) / 1e6
    assert usage.cost_usd == pytest.approx(expected, abs=1e-6)

    # One structured line per turn and per tool call, with the request ids.
    lines = [r.getMessage() for r in caplog.records]
    turns = [line for line in lines if line.startswith("turn=")]
    tools = [line for line in lines if line.startswith("tool=")]
    assert len(turns) == 3 and len(tools) == 2
    assert f"request_id={first.request_id}" in turns[0]
    assert tools[0].startswith("tool=Write arg=Dockerfile error=false")


def test_every_request_carries_cache_breakpoints(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_tool_use("Glob", {"pattern": "*"})
    messages_api.reply_tool_use("Glob", {"pattern": "**/*"})
    messages_api.reply_submit({"summary": "looked"})

    make_engine().run(briefing, definition, workspace)

    for request in messages_api.requests:
        body = request.body
        assert body["tools"][-1]["cache_control"] == {"type": "ephemeral"}
        assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
        marked = [m for m in body["messages"] if any("cache_control" in b for b in m["content"])]
        assert marked == [m for m in body["messages"] if m["role"] == "user"][-2:]
    # The system prompt and tools are written once and read from then on.
    assert messages_api.requests[1].usage["cache_read_input_tokens"] > 0


def test_existing_file_changed_is_reported_as_modified(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    (workspace / "README.md").write_text("old\n")
    (workspace / "untouched.txt").write_text("same\n")
    messages_api.reply_tool_uses(
        [
            ("Edit", {"path": "README.md", "old_string": "old", "new_string": "new"}),
            ("Write", {"path": "k8s/service.yaml", "content": "kind: Service\n"}),
        ]
    )
    claimed = {
        "summary": "done",
        "files_created": ["k8s/service.yaml", "ghost.txt", "../outside.txt"],
        "files_modified": ["README.md", "untouched.txt"],
        "issues": [{"severity": "info", "message": "check the port"}],
    }
    messages_api.reply_submit(claimed)

    result = make_engine().run(briefing, definition, workspace)

    assert result.files_created == ["k8s/service.yaml"]  # claims of absent files dropped
    assert result.files_modified == ["README.md"]  # unchanged claims dropped
    assert (workspace / "README.md").read_text() == "new\n"
    assert [i.severity for i in result.issues] == [Severity.INFO]


def test_only_the_tools_of_the_definition_are_offered(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    reader = definition.model_copy(update={"tools": ["Read", "Glob"], "model": "opus"})
    messages_api.reply_tool_use("Bash", {"command": "touch pwned"})
    messages_api.reply_submit({"summary": "read only"})

    result = make_engine().run(briefing, reader, workspace)

    names = [t["name"] for t in messages_api.requests[0].body["tools"]]
    assert names == ["Read", "Glob", "submit_result"]
    (refused,) = messages_api.requests[1].tool_results()
    assert refused["is_error"] is True
    assert "unknown tool 'Bash'" in refused["content"]
    assert not (workspace / "pwned").exists()
    assert result.model == "claude-opus-5-5"


def test_empty_prompt_is_written_from_the_briefing(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_submit({"summary": "ok"})

    make_engine().run(briefing, definition, workspace)

    first = messages_api.requests[0].messages[0]["content"][0]["text"]
    assert "Containerize the Node.js app" in first
    assert "- Port: 3000" in first
    assert "this run ends in about 1 minute(s)" in first


def test_the_transcript_is_kept_redacted(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    (workspace / "notes.txt").write_text(f"key {API_KEY}\n")
    messages_api.reply_tool_use("Read", {"path": "notes.txt"})
    messages_api.reply_submit({"summary": "read the notes"})

    result = make_engine().run(briefing, definition, workspace)

    lines = [json.loads(line) for line in result._transcript.splitlines()]
    assert [line["type"] for line in lines] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert lines[2]["request_id"] == messages_api.requests[0].request_id
    assert lines[2]["content"][0]["name"] == "Read"
    assert "[redacted]" in lines[3]["content"][0]["content"]
    assert API_KEY not in result._transcript
