"""The strict Messages API stand-in, driven by the real `anthropic` SDK: what it refuses,
every stop reason, errors, streaming, request ids and cache usage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import pytest

from fakes.messages_api import DEFAULT_MODEL, MessagesAPIServer

KEY = "sk-ant-fake-key"
TOOL = {"name": "Write", "input_schema": {"type": "object", "properties": {}}}
USE = {"type": "tool_use", "id": "toolu_1", "name": "Write", "input": {}}
RESULT = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"}


@pytest.fixture(scope="module")
def shared_api() -> Iterator[MessagesAPIServer]:
    with MessagesAPIServer() as server:
        yield server


@pytest.fixture
def messages_api(shared_api: MessagesAPIServer) -> MessagesAPIServer:
    shared_api.reset()
    return shared_api


@pytest.fixture(scope="module")
def client(shared_api: MessagesAPIServer) -> Iterator[anthropic.Anthropic]:
    """One client for the module: building one costs ~0.3 s (its TLS context)."""
    with anthropic.Anthropic(api_key=KEY, base_url=shared_api.base_url, max_retries=0) as c:
        yield c


def _user(content: Any) -> dict[str, Any]:
    return {"role": "user", "content": content}


def _assistant(content: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": content}


def _params(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "model": DEFAULT_MODEL,
        "max_tokens": 1024,
        "messages": [_user("hello")],
    }
    params.update(overrides)
    return params


def _cached(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}


REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("empty string content", _params(messages=[_user("")]), "must have non-empty content"),
    ("empty block list", _params(messages=[_user([])]), "must have non-empty content"),
    (
        "empty assistant mid-history",
        _params(messages=[_user("a"), _assistant([]), _user("b")]),
        "messages.1: all messages must have non-empty content",
    ),
    (
        "empty text block",
        _params(messages=[_user([{"type": "text", "text": ""}])]),
        "text content blocks must be non-empty",
    ),
    (
        "whitespace text block",
        _params(messages=[_user([{"type": "text", "text": " \n"}])]),
        "non-whitespace text",
    ),
    (
        "tool_use without tool_result",
        _params(tools=[TOOL], messages=[_user("a"), _assistant([USE]), _user("go on")]),
        "messages.2: `tool_use` ids were found without `tool_result` blocks immediately "
        "after: toolu_1",
    ),
    (
        "tool_use as the last message",
        _params(tools=[TOOL], messages=[_user("a"), _assistant([USE])]),
        "without `tool_result` blocks immediately after",
    ),
    (
        "tool_result not first",
        _params(
            tools=[TOOL],
            messages=[
                _user("a"),
                _assistant([USE]),
                _user([{"type": "text", "text": "x"}, RESULT]),
            ],
        ),
        "Did not find 1 tool_result block(s) at the beginning",
    ),
    (
        "unknown tool_use_id",
        _params(
            tools=[TOOL],
            messages=[
                _user("a"),
                _assistant([USE]),
                _user([RESULT, {**RESULT, "tool_use_id": "toolu_9"}]),
            ],
        ),
        "unexpected `tool_use_id` found in `tool_result` blocks: toolu_9",
    ),
    (
        "tool_result in the first message",
        _params(messages=[_user([RESULT])]),
        "messages.0.content.0: unexpected `tool_use_id`",
    ),
    (
        "bad tool name",
        _params(tools=[{**TOOL, "name": "write file"}]),
        "String should match pattern",
    ),
    (
        "schema not an object",
        _params(tools=[{**TOOL, "input_schema": {"type": "string"}}]),
        "input_schema.type: Input should be 'object'",
    ),
    (
        "invalid schema",
        _params(
            tools=[{**TOOL, "input_schema": {"type": "object", "properties": {"a": {"type": 7}}}}]
        ),
        "JSON schema is invalid",
    ),
    ("duplicate tool names", _params(tools=[TOOL, TOOL]), "Tool names must be unique"),
    ("max_tokens zero", _params(max_tokens=0), "greater than or equal to 1"),
    (
        "max_tokens over the model's limit",
        _params(max_tokens=100_000, timeout=30),
        "max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens",
    ),
    (
        "five cache breakpoints",
        _params(messages=[_user([_cached(f"part {i}") for i in range(5)])]),
        "A maximum of 4 blocks with cache_control may be provided. Found 5.",
    ),
    (
        "tool_choice naming no tool",
        _params(tools=[TOOL], tool_choice={"type": "tool", "name": "Read"}),
        "Tool 'Read' not found",
    ),
    (
        "tool_choice without tools",
        _params(tool_choice={"type": "any"}),
        "tool_choice may only be specified while providing tools",
    ),
    (
        "final assistant ends in whitespace",
        _params(messages=[_user("a"), _assistant("The answer is ")]),
        "final assistant content cannot end with trailing whitespace",
    ),
    (
        "first message from the assistant",
        _params(messages=[_assistant("hi"), _user("a")]),
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
        client.messages.create(**_params(model="claude-imaginary-9"))


def test_unknown_top_level_field_is_refused(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError, match="Extra inputs are not permitted"):
        client.messages.create(**_params(), extra_body={"temprature": 0.5})


def test_wrong_key_is_refused(client: anthropic.Anthropic, messages_api: MessagesAPIServer) -> None:
    messages_api.api_key = "sk-ant-the-real-one"
    with pytest.raises(anthropic.AuthenticationError):
        client.messages.create(**_params())


def test_valid_history_with_an_empty_final_assistant_message_is_accepted(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer
) -> None:
    messages_api.reply_text("continued")
    history = [_user("a"), _assistant([USE]), _user([RESULT, {"type": "text", "text": "next"}])]
    message = client.messages.create(**_params(tools=[TOOL], messages=[*history, _assistant([])]))
    assert message.content[0].type == "text"
    assert message._request_id == messages_api.requests[-1].request_id


def test_end_turn_and_usage(client: anthropic.Anthropic, messages_api: MessagesAPIServer) -> None:
    messages_api.reply_text("Hello there")
    message = client.messages.create(**_params())
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

    plain = client.messages.create(**_params(tools=[TOOL]))
    with client.messages.stream(**_params(tools=[TOOL])) as stream:
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
    message = _send(client, _params(max_tokens=10), stream)
    assert message.stop_reason == "max_tokens"
    assert message.content[0].type == "text" and message.content[0].text == ("word " * 8)
    assert message.usage.output_tokens == 10


@pytest.mark.parametrize("stream", [False, True])
def test_max_tokens_cuts_a_tool_call(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer, stream: bool
) -> None:
    messages_api.reply_tool_use("Write", {"path": "Dockerfile", "content": "RUN x\n" * 200})
    message = _send(client, _params(tools=[TOOL], max_tokens=20), stream)
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

    paused = _send(client, _params(), stream)
    stopped = _send(client, _params(stop_sequences=["END"]), stream)
    refused = _send(client, _params(), stream)

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
        message = client.messages.create(**_params(messages=[_user("y" * 800)]))
        assert message.stop_reason == "model_context_window_exceeded"
        assert message.usage.input_tokens + message.usage.output_tokens == 300
        with pytest.raises(
            anthropic.BadRequestError, match=r"prompt is too long: \d+ tokens > 300"
        ):
            client.messages.create(**_params(messages=[_user("y" * 2000)]))


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
        client.messages.create(**_params())
    assert caught.value.status_code == status
    assert caught.value.type == error_type
    assert caught.value.response.headers.get("retry-after") == headers.get("retry-after")
    assert caught.value.request_id is not None


def test_request_too_large_has_a_non_json_body(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer
) -> None:
    messages_api.max_request_bytes = 2000
    with pytest.raises(anthropic.APIStatusError) as caught:
        client.messages.create(**_params(messages=[_user("z" * 3000)]))
    assert caught.value.status_code == 413
    assert isinstance(caught.value.body, str) and "Request Entity Too Large" in caught.value.body
    assert caught.value.type is None


def test_an_error_event_breaks_a_stream(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer
) -> None:
    messages_api.reply_stream_error("overloaded_error")
    stream = client.messages.stream(**_params())
    with pytest.raises(anthropic.APIStatusError) as caught, stream as events:
        events.get_final_message()
    assert caught.value.type == "overloaded_error"


def test_cache_usage_follows_the_breakpoints(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer
) -> None:
    system = [_cached("You are a careful engineer. " * 200)]  # ~1400 tokens
    for _ in range(3):
        messages_api.reply_text("ok")
    first = client.messages.create(**_params(system=system))
    second = client.messages.create(**_params(system=system, messages=[_user("other")]))
    short = client.messages.create(**_params(system=[_cached("too short to cache")]))

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
    turn1 = [_user([_cached("context " * 700)])]
    turn2 = [
        _user([{"type": "text", "text": "context " * 700}]),
        _assistant("noted"),
        _user([_cached("and more")]),
    ]
    messages_api.reply_text("noted")
    messages_api.reply_text("done")
    first = client.messages.create(**_params(messages=turn1))
    second = client.messages.create(**_params(messages=turn2))
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
    forced = _params(tools=[TOOL], tool_choice={"type": "tool", "name": "Write"})
    with pytest.raises(anthropic.BadRequestError, match="fake: the script answers text"):
        client.messages.create(**forced)
