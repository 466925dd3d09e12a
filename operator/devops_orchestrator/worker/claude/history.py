"""The message history, kept valid for the Messages API at every step (pure functions).

Invariants: messages alternate user/assistant starting with user; no message and no
text block is ever empty; every tool_use is answered by tool_result blocks at the start
of the next user message. Adding to a role that already ends the history extends that
message instead of adding a second one."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from anthropic.types import ContentBlock

Block = dict[str, Any]
Turn = dict[str, Any]  # one message: role and content

CLEARED = "[cleared to save context: an old tool result; run the tool again if you need it]"
_CLEARABLE_CHARS = 200  # shorter results stay: clearing them saves nothing
EPHEMERAL = {"type": "ephemeral"}


def blocks_of(content: Iterable[ContentBlock]) -> list[Block]:
    """The answer's blocks as request parameters: text (non-blank) and tool_use only."""
    blocks: list[Block] = []
    for block in content:
        if block.type == "text" and block.text.strip():
            blocks.append({"type": "text", "text": block.text})
        elif block.type == "tool_use":
            blocks.append(
                {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
            )
    return blocks


def _as_blocks(content: str | list[Block] | Any) -> list[Block]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return list(content)


def add(messages: list[Turn], role: str, blocks: list[Block]) -> None:
    """Append `blocks` as `role`; empty text is dropped and nothing empty is added."""
    kept = [b for b in blocks if b.get("type") != "text" or str(b.get("text", "")).strip()]
    if not kept:
        return
    if messages and messages[-1]["role"] == role:
        last = messages[-1]
        last["content"] = [*_as_blocks(last["content"]), *kept]
        return
    messages.append({"role": role, "content": kept})


def add_text(messages: list[Turn], text: str) -> None:
    add(messages, "user", [{"type": "text", "text": text}])


def final_assistant_ready(messages: list[Turn]) -> None:
    """A final assistant message (a paused turn sent back) must not end in whitespace."""
    if not messages or messages[-1]["role"] != "assistant":
        return
    blocks = _as_blocks(messages[-1]["content"])
    while blocks and blocks[-1].get("type") == "text":
        text = str(blocks[-1]["text"]).rstrip()
        if text:
            blocks[-1] = {**blocks[-1], "text": text}
            break
        blocks.pop()
    if blocks:
        messages[-1]["content"] = blocks
    else:
        messages.pop()


def with_breakpoints(messages: list[Turn], count: int = 2) -> list[Turn]:
    """A copy with `cache_control` on the last block of the last `count` user messages:
    the newest one writes this turn's prefix, the one before reads the last turn's."""
    marked = copy.deepcopy(messages)
    users = [m for m in marked if m["role"] == "user"][-count:] if count else []
    for message in users:
        blocks = _as_blocks(message["content"])
        blocks[-1] = {**blocks[-1], "cache_control": EPHEMERAL}
        message["content"] = blocks
    return marked


def _result_chars(block: Block) -> int:
    content = block.get("content", "")
    if isinstance(content, str):
        return len(content)
    return sum(len(str(part.get("text", ""))) for part in content)


def clear_old_tool_results(messages: list[Turn], keep: int) -> int:
    """Replace the content of all but the last `keep` tool results by a short note;
    returns how many were cleared (already cleared and short ones do not count)."""
    results = [
        block
        for message in messages
        if message["role"] == "user" and isinstance(message["content"], list)
        for block in message["content"]
        if isinstance(block, dict) and block.get("type") == "tool_result"
    ]
    cleared = 0
    for block in results[: max(len(results) - keep, 0)]:
        if block.get("content") == CLEARED or _result_chars(block) <= _CLEARABLE_CHARS:
            continue
        block["content"] = CLEARED
        cleared += 1
    return cleared
