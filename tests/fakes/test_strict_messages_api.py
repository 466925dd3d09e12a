"""The strict Messages API stand-in, driven by the real `anthropic` SDK: what it refuses,
every stop reason, errors, streaming, request ids and cache usage."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest

from fakes.messages_api import MessagesAPIServer
from fakes.sdk_calls import KEY, RESULT, TOOL, USE, assistant, cached, request, user

REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("empty string content", request(messages=[user("")]), "must have non-empty content"),
    ("empty block list", request(messages=[user([])]), "must have non-empty content"),
    (
        "empty assistant mid-history",
        request(messages=[user("a"), assistant([]), user("b")]),
        "messages.1: all messages must have non-empty content",
    ),
    (
        "empty text block",
        request(messages=[user([{"type": "text", "text": ""}])]),
        "text content blocks must be non-empty",
    ),
    (
        "whitespace text block",
        request(messages=[user([{"type": "text", "text": " \n"}])]),
        "non-whitespace text",
    ),
    (
        "tool_use without tool_result",
        request(tools=[TOOL], messages=[user("a"), assistant([USE]), user("go on")]),
        "messages.2: `tool_use` ids were found without `tool_result` blocks immediately "
        "after: toolu_1",
    ),
    (
        "tool_use as the last message",
        request(tools=[TOOL], messages=[user("a"), assistant([USE])]),
        "without `tool_result` blocks immediately after",
    ),
    (
        "tool_result not first",
        request(
            tools=[TOOL],
            messages=[
                user("a"),
                assistant([USE]),
                user([{"type": "text", "text": "x"}, RESULT]),
            ],
        ),
        "Did not find 1 tool_result block(s) at the beginning",
    ),
    (
        "unknown tool_use_id",
        request(
            tools=[TOOL],
            messages=[
                user("a"),
                assistant([USE]),
                user([RESULT, {**RESULT, "tool_use_id": "toolu_9"}]),
            ],
        ),
        "unexpected `tool_use_id` found in `tool_result` blocks: toolu_9",
    ),
    (
        "tool_result in the first message",
        request(messages=[user([RESULT])]),
        "messages.0.content.0: unexpected `tool_use_id`",
    ),
    (
        "bad tool name",
        request(tools=[{**TOOL, "name": "write file"}]),
        "String should match pattern",
    ),
    (
        "schema not an object",
        request(tools=[{**TOOL, "input_schema": {"type": "string"}}]),
        "input_schema.type: Input should be 'object'",
    ),
    (
        "invalid schema",
        request(
            tools=[{**TOOL, "input_schema": {"type": "object", "properties": {"a": {"type": 7}}}}]
        ),
        "JSON schema is invalid",
    ),
    ("duplicate tool names", request(tools=[TOOL, TOOL]), "Tool names must be unique"),
    ("max_tokens zero", request(max_tokens=0), "greater than or equal to 1"),
    (
        "max_tokens over the model's limit",
        request(max_tokens=100_000, timeout=30),
        "max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens",
    ),
    (
        "five cache breakpoints",
        request(messages=[user([cached(f"part {i}") for i in range(5)])]),
        "A maximum of 4 blocks with cache_control may be provided. Found 5.",
    ),
    (
        "an unknown cache ttl",
        request(messages=[user([cached("part", ttl="10m")])]),
        "cache_control.ttl: Input should be '5m' or '1h'",
    ),
    (
        "a 1h breakpoint after a 5m one",
        request(system=[cached("rules")], messages=[user([cached("part", ttl="1h")])]),
        "A ttl='1h' cache_control block must not come after a ttl='5m' cache_control block",
    ),
    (
        "a thinking budget under 1024",
        request(thinking={"type": "enabled", "budget_tokens": 512}),
        "budget_tokens: Input should be greater than or equal to 1024",
    ),
    (
        "a thinking budget not below max_tokens",
        request(max_tokens=2000, thinking={"type": "enabled", "budget_tokens": 2000}),
        "`max_tokens` must be greater than `thinking.budget_tokens`",
    ),
    (
        "thinking under a forced tool choice",
        request(
            max_tokens=2048,
            tools=[TOOL],
            tool_choice={"type": "any"},
            thinking={"type": "enabled", "budget_tokens": 1024},
        ),
        "Thinking may not be enabled when tool_choice forces tool use.",
    ),
    (
        "tool_choice naming no tool",
        request(tools=[TOOL], tool_choice={"type": "tool", "name": "Read"}),
        "Tool 'Read' not found",
    ),
    (
        "tool_choice without tools",
        request(tool_choice={"type": "any"}),
        "tool_choice may only be specified while providing tools",
    ),
    (
        "final assistant ends in whitespace",
        request(messages=[user("a"), assistant("The answer is ")]),
        "final assistant content cannot end with trailing whitespace",
    ),
    (
        "first message from the assistant",
        request(messages=[assistant("hi"), user("a")]),
        'first message must use the "user" role',
    ),
]


@pytest.mark.parametrize(
    ("params", "fragment"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_refuses_what_the_real_api_refuses(
    client: anthropic.Anthropic,
    messages_api: MessagesAPIServer,
    params: dict[str, Any],
    fragment: str,
) -> None:
    messages_api.reply_text("never sent")
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(**params)
    assert fragment in str(caught.value.api_message)
    assert caught.value.type == "invalid_request_error"
    assert caught.value.request_id == messages_api.requests[-1].request_id
    assert messages_api.pending == 1  # a refused request consumes no scripted reply


def test_unknown_model_is_not_found(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.NotFoundError, match="model: claude-imaginary-9"):
        client.messages.create(**request(model="claude-imaginary-9"))


def test_unknown_top_level_field_is_refused(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError, match="Extra inputs are not permitted"):
        client.messages.create(**request(), extra_body={"temprature": 0.5})


def test_wrong_key_is_refused(client: anthropic.Anthropic, messages_api: MessagesAPIServer) -> None:
    messages_api.api_key = "sk-ant-the-real-one"
    with pytest.raises(anthropic.AuthenticationError):
        client.messages.create(**request())


def test_valid_history_with_an_empty_final_assistant_message_is_accepted(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer
) -> None:
    messages_api.reply_text("continued")
    history = [user("a"), assistant([USE]), user([RESULT, {"type": "text", "text": "next"}])]
    message = client.messages.create(**request(tools=[TOOL], messages=[*history, assistant([])]))
    assert message.content[0].type == "text"
    assert message._request_id == messages_api.requests[-1].request_id


def test_end_turn_and_usage(client: anthropic.Anthropic, messages_api: MessagesAPIServer) -> None:
    messages_api.reply_text("Hello there")
    message = client.messages.create(**request())
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens > 0
    assert message.usage.cache_creation_input_tokens == 0
    assert message.usage.cache_read_input_tokens == 0
    assert message.usage.output_tokens == 3  # ceil(11 / 4)


def test_tool_use_streamed_and_not(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer
) -> None:
    big = {"path": "Dockerfile", "content": "FROM node:20\n" * 20}
    messages_api.reply_tool_use("Write", big, text="Writing it.")
    messages_api.reply_tool_use("Write", big, text="Writing it.")

    plain = client.messages.create(**request(tools=[TOOL]))
    with client.messages.stream(**request(tools=[TOOL])) as stream:
        streamed = stream.get_final_message()
        stream_request_id = stream.request_id

    for message in (plain, streamed):
        assert message.stop_reason == "tool_use"
        text, use = message.content
        assert text.type == "text" and text.text == "Writing it."
        assert use.type == "tool_use" and use.name == "Write" and use.input == big
    assert streamed.usage == plain.usage
    assert stream_request_id == messages_api.requests[-1].request_id


@pytest.mark.parametrize("stream", [False, True])
def test_max_tokens_cuts_text(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer, stream: bool
) -> None:
    messages_api.reply_text("word " * 100)
    message = _send(client, request(max_tokens=10), stream)
    assert message.stop_reason == "max_tokens"
    assert message.content[0].type == "text" and message.content[0].text == ("word " * 8)
    assert message.usage.output_tokens == 10


@pytest.mark.parametrize("stream", [False, True])
def test_max_tokens_cuts_a_tool_call(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer, stream: bool
) -> None:
    messages_api.reply_tool_use("Write", {"path": "Dockerfile", "content": "RUN x\n" * 200})
    message = _send(client, request(tools=[TOOL], max_tokens=20), stream)
    assert message.stop_reason == "max_tokens"
    (use,) = message.content
    assert use.type == "tool_use"
    assert isinstance(use.input, dict) and use.input["path"] == "Dockerfile"
    assert len(use.input.get("content", "")) < 100  # partial, unusable


@pytest.mark.parametrize("stream", [False, True])
def test_scripted_stop_reasons(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer, stream: bool
) -> None:
    messages_api.reply_text("Searching", stop_reason="pause_turn")
    messages_api.reply_message(
        [{"type": "text", "text": "A"}], stop_reason="stop_sequence", stop_sequence="END"
    )
    messages_api.reply_refusal("I can't help with that.", explanation="policy")

    paused = _send(client, request(), stream)
    stopped = _send(client, request(stop_sequences=["END"]), stream)
    refused = _send(client, request(), stream)

    assert paused.stop_reason == "pause_turn"
    assert (stopped.stop_reason, stopped.stop_sequence) == ("stop_sequence", "END")
    assert refused.stop_reason == "refusal"
    assert refused.stop_details is not None and refused.stop_details.explanation == "policy"


def test_context_window_exceeded_and_prompt_too_long() -> None:
    with (
        MessagesAPIServer(context_window=300) as server,
        anthropic.Anthropic(api_key=KEY, base_url=server.base_url, max_retries=0) as client,
    ):
        server.reply_text("x" * 2000)
        server.reply_text("never")
        message = client.messages.create(**request(messages=[user("y" * 800)]))
        assert message.stop_reason == "model_context_window_exceeded"
        assert message.usage.input_tokens + message.usage.output_tokens == 300
        with pytest.raises(
            anthropic.BadRequestError, match=r"prompt is too long: \d+ tokens > 300"
        ):
            client.messages.create(**request(messages=[user("y" * 2000)]))


@pytest.mark.parametrize(
    ("status", "error_type", "headers", "exception"),
    [
        (429, "rate_limit_error", {"retry-after": "7"}, anthropic.RateLimitError),
        (429, "rate_limit_error", {}, anthropic.RateLimitError),
        (529, "overloaded_error", {"retry-after": "2"}, anthropic.OverloadedError),
        (529, "overloaded_error", {}, anthropic.OverloadedError),
    ],
)
def test_rate_limit_and_overload(
    client: anthropic.Anthropic,
    messages_api: MessagesAPIServer,
    status: int,
    error_type: str,
    headers: dict[str, str],
    exception: type[anthropic.APIStatusError],
) -> None:
    messages_api.reply_error(status, error_type, headers=headers)
    with pytest.raises(exception) as caught:
        client.messages.create(**request())
    assert caught.value.status_code == status
    assert caught.value.type == error_type
    assert caught.value.response.headers.get("retry-after") == headers.get("retry-after")
    assert caught.value.request_id is not None


def test_request_too_large_has_a_non_json_body(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer
) -> None:
    messages_api.max_request_bytes = 2000
    with pytest.raises(anthropic.APIStatusError) as caught:
        client.messages.create(**request(messages=[user("z" * 3000)]))
    assert caught.value.status_code == 413
    assert isinstance(caught.value.body, str) and "Request Entity Too Large" in caught.value.body
    assert caught.value.type is None


def test_an_error_event_breaks_a_stream(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer
) -> None:
    messages_api.reply_stream_error("overloaded_error")
    stream = client.messages.stream(**request())
    with pytest.raises(anthropic.APIStatusError) as caught, stream as events:
        events.get_final_message()
    assert caught.value.type == "overloaded_error"


def test_cache_usage_follows_the_breakpoints(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer
) -> None:
    system = [cached("You are a careful engineer. " * 200)]  # ~1400 tokens
    for _ in range(3):
        messages_api.reply_text("ok")
    first = client.messages.create(**request(system=system))
    second = client.messages.create(**request(system=system, messages=[user("other")]))
    short = client.messages.create(**request(system=[cached("too short to cache")]))

    assert first.usage.cache_read_input_tokens == 0
    written = first.usage.cache_creation_input_tokens
    assert written is not None and written > 1024
    assert second.usage.cache_read_input_tokens == written
    assert second.usage.cache_creation_input_tokens == 0
    assert second.usage.input_tokens == first.usage.input_tokens  # only the user message
    assert (short.usage.cache_creation_input_tokens, short.usage.cache_read_input_tokens) == (0, 0)


def test_a_moving_breakpoint_reads_the_previous_turn(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer
) -> None:
    turn1 = [user([cached("context " * 700)])]
    turn2 = [
        user([{"type": "text", "text": "context " * 700}]),
        assistant("noted"),
        user([cached("and more")]),
    ]
    messages_api.reply_text("noted")
    messages_api.reply_text("done")
    first = client.messages.create(**request(messages=turn1))
    second = client.messages.create(**request(messages=turn2))
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens
    assert (second.usage.cache_creation_input_tokens or 0) > 0  # the new turn is written
    assert second.usage.input_tokens == 0  # everything up to the breakpoint is cached


def _send(client: anthropic.Anthropic, params: dict[str, Any], stream: bool) -> Any:
    if not stream:
        return client.messages.create(**params)
    with client.messages.stream(**params) as events:
        return events.get_final_message()


def test_a_script_the_api_could_not_answer_under_tool_choice_is_refused(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer
) -> None:
    messages_api.reply_text("plain text")
    forced = request(tools=[TOOL], tool_choice={"type": "tool", "name": "Write"})
    with pytest.raises(anthropic.BadRequestError, match="fake: the script answers text"):
        client.messages.create(**forced)
