"""The strict stand-in as its own tests drive it: one server and one real `anthropic`
client per module, and builders of request parameters."""

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


def user(content: Any) -> dict[str, Any]:
    return {"role": "user", "content": content}


def assistant(content: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": content}


def request(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "model": DEFAULT_MODEL,
        "max_tokens": 1024,
        "messages": [user("hello")],
    }
    params.update(overrides)
    return params


def cached(text: str, ttl: str | None = None) -> dict[str, Any]:
    """A text block that is a cache breakpoint (5 minutes, or `ttl`)."""
    control = {"type": "ephemeral"} | ({"ttl": ttl} if ttl else {})
    return {"type": "text", "text": text, "cache_control": control}
