"""Every stop reason, one test each, against the strict stand-in: the history stays valid
(the stand-in refuses anything else), cut tool calls never run, refusals fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from claude_support import EngineFactory

from devops_orchestrator.models import AgentDefinition, Briefing
from devops_orchestrator.worker.engine import EngineError
from fakes.messages_api import MessagesAPIServer, text_block
from fakes.messages_rules import known_models

DONE = {"summary": "done"}


def test_end_turn_without_a_result_is_answered_continue_or_submit(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_text("I wrote everything, here is the summary: done.")
    messages_api.reply_submit(DONE)

    result = make_engine().run(briefing, definition, workspace)

    assert result.summary == "done"
    nudge = messages_api.requests[1]
    assert nudge.messages[-2]["content"][0]["text"].startswith("I wrote everything")
    assert "call submit_result now" in nudge.last_texts()[-1]
    assert "tool_choice" not in nudge.body


def test_an_empty_end_turn_never_becomes_an_empty_message(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_tool_use("Glob", {"pattern": "*"})
    messages_api.reply_text("")  # the model ends its turn with no content at all
    messages_api.reply_submit(DONE)

    make_engine().run(briefing, definition, workspace)

    after = messages_api.requests[2]
    assert [m["role"] for m in after.messages] == ["user", "assistant", "user"]
    last = after.messages[-1]["content"]
    assert last[0]["type"] == "tool_result"  # the nudge joins the tool results' message
    assert "submit_result" in last[-1]["text"]


def test_a_model_that_never_submits_is_forced_then_fails(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    for _ in range(4):
        messages_api.reply_text("Still thinking.")
    for _ in range(3):
        messages_api.reply_submit({"summary": ""})  # forced, but never a valid result

    with pytest.raises(EngineError, match="never submitted a valid result") as caught:
        make_engine().run(briefing, definition, workspace)

    forced = messages_api.requests[4:]
    assert all(r.body["tool_choice"] == {"type": "tool", "name": "submit_result"} for r in forced)
    assert all("tool_choice" not in r.body for r in messages_api.requests[:4])
    refused = messages_api.requests[5].tool_results()[0]
    assert (
        refused["is_error"] is True and "'summary' must be a non-empty string" in refused["content"]
    )
    assert caught.value.usage is not None and caught.value.usage.output_tokens > 0
    assert '"type": "note", "event": "failed"' in caught.value.transcript


def test_stop_sequence_is_a_turn_without_a_result(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_message(
        [text_block("Part one")], stop_reason="stop_sequence", stop_sequence="###"
    )
    messages_api.reply_submit(DONE)

    assert make_engine().run(briefing, definition, workspace).summary == "done"
    assert "submit_result" in messages_api.requests[1].last_texts()[-1]


def test_max_tokens_on_text_asks_to_continue(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_text("Let me explain at length. " * 200)
    messages_api.reply_submit(DONE)

    make_engine(claude_max_output_tokens=50).run(briefing, definition, workspace)

    second = messages_api.requests[1]
    assert second.messages[-2]["role"] == "assistant"  # the cut text is kept
    assert "cut off at the output limit" in second.last_texts()[-1]


def test_a_tool_call_cut_by_max_tokens_is_never_run(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    big = {"path": "Dockerfile", "content": "RUN echo layer\n" * 60}  # ~230 tokens
    messages_api.reply_tool_use("Write", big)  # cut at 100
    messages_api.reply_tool_use("Write", big)  # cut at 200
    messages_api.reply_tool_use("Write", big)  # cut at the ceiling, 200: the model is told
    messages_api.reply_tool_use("Write", {"path": "Dockerfile", "content": "FROM scratch\n"})
    messages_api.reply_submit(DONE)

    engine = make_engine(claude_max_output_tokens=100, claude_output_tokens_ceiling=200)
    result = engine.run(briefing, definition, workspace)

    assert [r.body["max_tokens"] for r in messages_api.requests] == [100, 200, 200, 200, 200]
    assert [r.usage["output_tokens"] for r in messages_api.requests[:3]] == [100, 200, 200]
    # Nothing of the cut calls reached the history: the re-sent requests are identical.
    assert messages_api.requests[1].messages == messages_api.requests[0].messages
    told = messages_api.requests[3]
    assert told.tool_results() == []
    assert "call of Write was cut off" in told.last_texts()[-1]
    assert (workspace / "Dockerfile").read_text() == "FROM scratch\n"  # only the whole call ran
    assert result.files_created == ["Dockerfile"]


def test_pause_turn_is_sent_back_to_continue(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_text("Working on it. ", stop_reason="pause_turn")
    messages_api.reply_submit(DONE)

    make_engine().run(briefing, definition, workspace)

    resumed = messages_api.requests[1]
    assert resumed.messages[-1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "Working on it."}],  # no trailing whitespace
    }


def test_refusal_fails_the_worker_with_the_reason(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_tool_use("Glob", {"pattern": "*"})
    messages_api.reply_refusal("I can't help with that.", explanation="cyber: exploit code")

    with pytest.raises(EngineError, match=r"^the model refused: cyber: exploit code$") as caught:
        make_engine().run(briefing, definition, workspace)

    assert caught.value.usage is not None and caught.value.usage.total_tokens > 0


def test_refusal_without_details_uses_the_text(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.reply_refusal("I won't write that.")
    with pytest.raises(EngineError, match=r"the model refused: I won.t write that\."):
        make_engine().run(briefing, definition, workspace)


def test_context_window_exceeded_clears_old_tool_results_and_goes_on(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    for name in ("a.txt", "b.txt"):
        (workspace / name).write_text(f"{name} line of text\n" * 300)  # ~1900 tokens each
    messages_api.models = known_models(9000)
    messages_api.reply_tool_use("Read", {"path": "a.txt"})
    messages_api.reply_tool_use("Read", {"path": "b.txt"})
    messages_api.reply_text("x" * 20_000)  # runs into the window
    messages_api.reply_submit(DONE)

    result = make_engine(claude_max_output_tokens=4000).run(briefing, definition, workspace)

    assert result.summary == "done"
    overflowed, retried = messages_api.requests[2], messages_api.requests[3]
    assert overflowed.usage["output_tokens"] < 4000  # cut by the window, not max_tokens
    first_read = retried.messages[2]["content"][0]
    assert first_read["content"].startswith("[cleared to save context")
    assert "b.txt line" in retried.messages[4]["content"][0]["content"]  # the newest stays
    assert retried.messages[-1]["role"] == "user"  # the cut answer was dropped


def test_context_window_exceeded_with_nothing_to_clear_fails(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    messages_api.models = known_models(3000)
    messages_api.reply_text("x" * 20_000)

    with pytest.raises(EngineError, match="no longer fits the model"):
        make_engine(claude_max_output_tokens=4000).run(briefing, definition, workspace)
