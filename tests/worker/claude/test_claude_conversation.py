"""The whole loop through the real SDK: tool use, validation, the JSON result."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_writes_validates_and_returns_the_result(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    write_id = messages_api.reply_tool_use(
        "Write", {"path": "Dockerfile", "content": DOCKERFILE}, usage=(100, 40)
    )
    validate_id = messages_api.reply_tool_use(
        "validate", {"files": ["Dockerfile"]}, usage=(150, 20)
    )
    messages_api.reply_text(
        "All checks pass.\n```json\n" + json.dumps(RESULT) + "\n```", usage=(200, 60)
    )

    result = make_engine().run(briefing, definition, workspace)

    assert (workspace / "Dockerfile").read_text() == DOCKERFILE
    assert result.files_created == ["Dockerfile"]
    assert result.files_modified == []
    assert result.summary == RESULT["summary"]
    assert result.engine == "claude"
    assert result.model == "claude-sonnet-5-5"  # the newest sonnet of the installed SDK
    assert result.usage is not None
    assert (result.usage.input_tokens, result.usage.output_tokens) == (450, 120)
    assert result.model_extra == {"docker_config": RESULT["docker_config"]}

    first, second, third = messages_api.requests
    assert presented_key(first.headers) == API_KEY
    assert first.body["model"] == "claude-sonnet-5-5"
    assert "You are the docker-worker" in first.body["system"]
    assert "JSON object" in first.body["system"]
    assert "Node.js version: 20" in first.messages[0]["content"]
    assert [t["name"] for t in first.body["tools"]] == definition.tools
    (write_result,) = second.tool_results()
    assert write_result["tool_use_id"] == write_id
    assert write_result["is_error"] is False
    assert "created Dockerfile" in write_result["content"]
    (validate_result,) = third.tool_results()
    assert validate_result["tool_use_id"] == validate_id
    assert validate_result["is_error"] is False
    assert validate_result["content"] == "no issues in Dockerfile"


def test_validate_reports_real_hadolint_findings(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_tool_use("Write", {"path": "Dockerfile", "content": "FROM node\n"})
    messages_api.reply_tool_use("validate", {})
    messages_api.reply_text(json.dumps({"summary": "wrote an unpinned Dockerfile"}))

    make_engine().run(briefing, definition, workspace)

    (validate_result,) = messages_api.requests[2].tool_results()
    content = validate_result["content"]
    assert "DL3006" in content  # hadolint: always tag the image version explicitly
    assert '"validator": "hadolint"' in content


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
    messages_api.reply_text(json.dumps(claimed))

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
    messages_api.reply_text(json.dumps({"summary": "read only"}))

    result = make_engine().run(briefing, reader, workspace)

    assert [t["name"] for t in messages_api.requests[0].body["tools"]] == ["Read", "Glob"]
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
    messages_api.reply_text(json.dumps({"summary": "ok"}))

    make_engine().run(briefing, definition, workspace)

    first = messages_api.requests[0].messages[0]["content"]
    assert "Containerize the Node.js app" in first
    assert "- Port: 3000" in first
