"""No tool call ends the run: schema violations, tool bugs and odd inputs all come back
to the model as is_error tool results, and the run goes on."""

from __future__ import annotations

from pathlib import Path

from claude_support import EngineFactory

from devops_orchestrator.models import AgentDefinition, Briefing
from fakes.messages_api import MessagesAPIServer


def test_bad_tool_inputs_become_error_results(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    calls = [
        ("Glob", {"pattern": "[z-a]*"}),  # a reversed range: the regex compiler raises
        ("Bash", {"command": "echo hi", "timeout": 10**400}),  # too large for a float
        ("Bash", {"command": "echo hi", "timeout": "soon"}),  # not the schema's integer
        ("Read", {}),  # a required input missing
        ("Write", {"path": "ok.txt", "content": "fine"}),
    ]
    messages_api.reply_tool_uses(calls)
    messages_api.reply_submit({"summary": "survived"})

    result = make_engine().run(briefing, definition, workspace)

    assert result.summary == "survived"
    glob, huge, word, read, write = messages_api.requests[1].tool_results()
    assert glob["is_error"] and "Glob failed: error: bad character range" in glob["content"]
    assert huge["is_error"] and "Bash failed: OverflowError" in huge["content"]
    assert (
        word["is_error"]
        and "invalid input for Bash: 'timeout' must be an integer" in (word["content"])
    )
    assert read["is_error"] and "'path' is a required property" in read["content"]
    assert write["is_error"] is False
    assert result.files_created == ["ok.txt"]
