"""The stand-in's prompt cache, as strict as the real API's, driven by the real `anthropic`
SDK: the prefix hierarchy (tools -> system -> messages) and what invalidates each level,
and the 1-hour TTL with its own usage figures."""

from __future__ import annotations

from typing import Any

import anthropic
from anthropic.types import Message

from fakes.messages_api import MessagesAPIServer
from fakes.messages_cache import PromptCache, request_blocks, tokens_of
from fakes.sdk_calls import TOOL, assistant, cached, request, user

SYSTEM = "You are a careful engineer who writes Dockerfiles. " * 100  # ~1300 tokens
CONTEXT = "The repository holds a Node.js shop with a Postgres database. " * 100
# A tool whose definition alone is long enough to be cached (~1200 tokens).
TOOLS = [{**TOOL, "description": "Write a file in the workspace. " * 160}]
IMAGE = {
    "type": "image",
    "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
}


def _tools(tools: list[dict[str, Any]] = TOOLS) -> list[dict[str, Any]]:
    """The tools, the last one a breakpoint."""
    return [*tools[:-1], {**tools[-1], "cache_control": {"type": "ephemeral"}}]


def _turn(**overrides: Any) -> dict[str, Any]:
    """Tools, system and one user turn, each level ending in a breakpoint."""
    base = request(tools=_tools(), system=[cached(SYSTEM)], messages=[user([cached(CONTEXT)])])
    return base | overrides


def _size(params: dict[str, Any], levels: tuple[str, ...]) -> int:
    """The tokens of these levels of a request, as the stand-in counts them."""
    part = {key: params[key] for key in levels if key in params}
    return sum(tokens_of(block) for block in request_blocks({"messages": [], **part}))


def _split(message: Message) -> tuple[int, int, int]:
    """(read, written, uncached) tokens of a request."""
    usage = message.usage
    written = usage.cache_creation_input_tokens or 0
    return usage.cache_read_input_tokens or 0, written, usage.input_tokens


TOOLS_ONLY = ("tools",)
UP_TO_SYSTEM = ("tools", "system")
EVERYTHING = ("tools", "system", "messages")


def test_a_tool_choice_change_invalidates_the_messages_only(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer
) -> None:
    messages_api.reply_text("first")
    messages_api.reply_tool_use("Write", {})
    messages_api.reply_text("third")
    params = _turn()
    first = client.messages.create(**params)
    forced = client.messages.create(**params, tool_choice={"type": "any"})
    auto_again = client.messages.create(**params, tool_choice={"type": "auto"})

    whole, system = _size(params, EVERYTHING), _size(params, UP_TO_SYSTEM)
    assert _split(first) == (0, whole, 0)
    assert _split(forced) == (system, whole - system, 0)  # tools and system still read
    assert _split(auto_again) == (whole, 0, 0)  # absent is auto: the first entry serves


def test_a_tools_change_invalidates_everything(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer
) -> None:
    messages_api.reply_text("first")
    messages_api.reply_text("second")
    client.messages.create(**_turn())
    other_tools = _tools([{**TOOLS[0], "description": "Write a file. " * 400}])
    changed = client.messages.create(**_turn(tools=other_tools))
    assert _split(changed) == (0, _size(_turn(tools=other_tools), EVERYTHING), 0)


def test_a_system_change_invalidates_the_system_and_the_messages(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer
) -> None:
    messages_api.reply_text("first")
    messages_api.reply_text("second")
    client.messages.create(**_turn())
    params = _turn(system=[cached("You are a terse engineer. " * 200)])
    changed = client.messages.create(**params)
    tools = _size(params, TOOLS_ONLY)
    assert _split(changed) == (tools, _size(params, EVERYTHING) - tools, 0)


def test_adding_an_image_invalidates_the_messages_only(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer
) -> None:
    messages_api.reply_text("noted")
    messages_api.reply_text("a cat")
    messages_api.reply_text("a Dockerfile")
    client.messages.create(**_turn())
    history = [user([{"type": "text", "text": CONTEXT}]), assistant("noted")]
    with_image = _turn(messages=[*history, user([IMAGE, cached("What is this?")])])
    without = _turn(messages=[*history, user([cached("Write the Dockerfile.")])])
    seen = client.messages.create(**with_image)
    text_only = client.messages.create(**without)

    system = _size(with_image, UP_TO_SYSTEM)
    assert _split(seen) == (system, _size(with_image, EVERYTHING) - system, 0)
    # Without the image, the first turn's entry serves again (read through the lookback).
    assert _split(text_only)[0] == _size(_turn(), EVERYTHING)


def test_a_thinking_change_invalidates_the_messages_only(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer
) -> None:
    messages_api.reply_text("first")
    messages_api.reply_text("second")
    client.messages.create(**_turn(max_tokens=4096))
    thinking = client.messages.create(
        **_turn(max_tokens=4096), thinking={"type": "enabled", "budget_tokens": 2048}
    )
    system = _size(_turn(), UP_TO_SYSTEM)
    assert _split(thinking) == (system, _size(_turn(), EVERYTHING) - system, 0)


def test_a_one_hour_breakpoint_is_written_and_kept_for_an_hour(
    client: anthropic.Anthropic, messages_api: MessagesAPIServer
) -> None:
    now = [1000.0]
    messages_api.cache = PromptCache(clock=lambda: now[0])
    params = _turn(system=[cached(SYSTEM, ttl="1h")], tools=_tools())
    params["tools"][-1]["cache_control"]["ttl"] = "1h"
    system, whole = _size(params, UP_TO_SYSTEM), _size(params, EVERYTHING)
    for _ in range(3):
        messages_api.reply_text("ok")

    with client.messages.stream(**params) as stream:  # streamed: the split survives
        first = stream.get_final_message()
    assert first.usage.cache_creation is not None
    assert first.usage.cache_creation.ephemeral_1h_input_tokens == system
    assert first.usage.cache_creation.ephemeral_5m_input_tokens == whole - system
    assert first.usage.cache_creation_input_tokens == whole

    now[0] += 6 * 60  # the 5-minute entry is gone, the 1-hour ones are not
    later = client.messages.create(**params)
    assert _split(later) == (system, whole - system, 0)
    assert later.usage.cache_creation is not None
    assert later.usage.cache_creation.ephemeral_1h_input_tokens == 0
    assert later.usage.cache_creation.ephemeral_5m_input_tokens == whole - system

    now[0] += 61 * 60
    gone = client.messages.create(**params)
    assert _split(gone) == (0, whole, 0)
    assert messages_api.requests[-1].usage["ephemeral_1h_input_tokens"] == system
