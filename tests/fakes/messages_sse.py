"""A Message as the server-sent events of a streaming answer (`"stream": true`).

message_start (empty content, input usage), per block content_block_start, deltas
(text_delta; input_json_delta carrying the tool input's JSON text in pieces) and
content_block_stop, then message_delta (stop reason, cumulative usage) and message_stop.
A ping goes out after message_start, as the real API sends them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

CHUNK_CHARS = 24


def event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def _pieces(text: str) -> Iterator[str]:
    for start in range(0, len(text), CHUNK_CHARS):
        yield text[start : start + CHUNK_CHARS]


def _block_events(index: int, block: dict[str, Any], raw_input: str | None) -> Iterator[bytes]:
    if block["type"] == "text":
        yield event(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": index,
                "content_block": {"type": "text", "text": ""},
            },
        )
        for piece in _pieces(block["text"]):
            delta = {"type": "text_delta", "text": piece}
            yield event(
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": delta},
            )
    else:
        start = {**block, "input": {}}
        yield event(
            "content_block_start",
            {"type": "content_block_start", "index": index, "content_block": start},
        )
        text = raw_input if raw_input is not None else json.dumps(block["input"])
        for piece in _pieces(text):
            delta = {"type": "input_json_delta", "partial_json": piece}
            yield event(
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": delta},
            )
    yield event("content_block_stop", {"type": "content_block_stop", "index": index})


def stream_events(
    message: dict[str, Any],
    raw_inputs: dict[int, str],
    error: dict[str, Any] | None = None,
) -> Iterator[bytes]:
    """The events of `message`; `raw_inputs` holds the cut JSON text of cut tool calls;
    `error` (an error body) interrupts the stream right after message_start."""
    usage = message["usage"]
    start = {**message, "content": [], "stop_reason": None, "stop_sequence": None}
    start["usage"] = {**usage, "output_tokens": 1}
    yield event("message_start", {"type": "message_start", "message": start})
    yield event("ping", {"type": "ping"})
    if error is not None:
        yield event("error", error)
        return
    for index, block in enumerate(message["content"]):
        yield from _block_events(index, block, raw_inputs.get(index))
    delta = {
        "stop_reason": message["stop_reason"],
        "stop_sequence": message["stop_sequence"],
    }
    if message.get("stop_details") is not None:
        delta["stop_details"] = message["stop_details"]
    # The delta's usage is cumulative but has no TTL split: message_start carried it.
    counts = {k: v for k, v in usage.items() if k != "cache_creation"}
    yield event("message_delta", {"type": "message_delta", "delta": delta, "usage": counts})
    yield event("message_stop", {"type": "message_stop"})
