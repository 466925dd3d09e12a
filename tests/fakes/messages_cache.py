"""Token counts and prompt caching as the real API bills them, deterministically.

A request is a sequence of blocks in the order the API caches them: tools, system, then
every content block of every message. A block costs ceil(len(canonical JSON) / 4)
tokens (its `cache_control` left out). Caching follows the documented semantics:

- a block with `cache_control` is a breakpoint; the prefix up to it is written to the
  cache when it is at least `min_cacheable_tokens` long, for its `ttl` (5m or 1h);
- a later request reads the longest cached prefix that ends at one of its breakpoints or
  at most 20 blocks before one;
- the cache is a prefix hierarchy, tools -> system -> messages: a change at one level
  invalidates that level and the ones after it (tools: everything; system: the system
  and the messages). Changing `tool_choice` or the thinking parameters, or adding or
  removing images anywhere in the prompt, invalidates the messages only: they are part
  of what the message blocks' cache entries are keyed by;
- usage: `cache_read_input_tokens` = the prefix read (A); of what is written, the part
  up to the last 1-hour breakpoint (B) is billed as 1-hour writes, the rest up to the
  last breakpoint (C) as 5-minute writes: `cache_creation` = {ephemeral_1h_input_tokens:
  B - A, ephemeral_5m_input_tokens: C - max(A, B)}, `cache_creation_input_tokens` their
  sum; `input_tokens` = the rest.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

LOOKBACK_BLOCKS = 20
TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}


def canonical(block: Any) -> str:
    if isinstance(block, dict):
        block = {k: v for k, v in block.items() if k != "cache_control"}
    return json.dumps(block, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def tokens_of(block: Any) -> int:
    return max(1, -(-len(canonical(block)) // 4))


def text_tokens(text: str) -> int:
    return max(1, -(-len(text) // 4))


def request_blocks(body: dict[str, Any]) -> list[Any]:
    """tools, system and message content, in cache order."""
    return [block for _, block in _levelled_blocks(body)]


def _levelled_blocks(body: dict[str, Any]) -> list[tuple[str, Any]]:
    blocks: list[tuple[str, Any]] = [("tools", tool) for tool in body.get("tools") or []]
    system = body.get("system")
    if isinstance(system, str) and system:
        blocks.append(("system", {"type": "text", "text": system}))
    elif isinstance(system, list):
        blocks += [("system", block) for block in system]
    for message in body["messages"]:
        content = message["content"]
        items = [{"type": "text", "text": content}] if isinstance(content, str) else content
        # The role is part of what the model sees: the same text as user or assistant differs.
        blocks += [("messages", {"role": message["role"], **item}) for item in items]
    return blocks


def _has_image(value: Any) -> bool:
    if isinstance(value, dict):
        return value.get("type") == "image" or any(_has_image(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_image(v) for v in value)
    return False


def messages_context(body: dict[str, Any]) -> str:
    """What the message blocks' cache entries are keyed by besides the prefix: the
    tool choice (absent is auto), the thinking parameters, whether images appear."""
    context = {
        "tool_choice": body.get("tool_choice") or {"type": "auto"},
        "thinking": body.get("thinking") or {"type": "disabled"},
        "images": _has_image(body["messages"]),
    }
    return json.dumps(context, sort_keys=True)


def breakpoint_ttl(block: Any) -> str | None:
    """The ttl of a block's `cache_control` ("5m" when not given), None without one."""
    if not isinstance(block, dict) or not isinstance(block.get("cache_control"), dict):
        return None
    ttl = block["cache_control"].get("ttl", "5m")
    return ttl if isinstance(ttl, str) else None


@dataclass(frozen=True)
class InputUsage:
    input_tokens: int
    cache_read_input_tokens: int
    ephemeral_5m_input_tokens: int = 0
    ephemeral_1h_input_tokens: int = 0

    @property
    def cache_creation_input_tokens(self) -> int:
        return self.ephemeral_5m_input_tokens + self.ephemeral_1h_input_tokens

    @property
    def total(self) -> int:
        return self.input_tokens + self.cache_creation_input_tokens + self.cache_read_input_tokens

    def render(self) -> dict[str, Any]:
        """The input part of a Message's `usage`, as the API reports it."""
        return {
            "input_tokens": self.input_tokens,
            "cache_creation_input_tokens": self.cache_creation_input_tokens,
            "cache_read_input_tokens": self.cache_read_input_tokens,
            "cache_creation": {
                "ephemeral_5m_input_tokens": self.ephemeral_5m_input_tokens,
                "ephemeral_1h_input_tokens": self.ephemeral_1h_input_tokens,
            },
        }


def prompt_tokens(body: dict[str, Any]) -> int:
    """The whole prompt's size in tokens, cached or not."""
    return sum(tokens_of(block) for block in request_blocks(body))


class PromptCache:
    """The cache of one fake server: prefix hashes with their expiry time."""

    def __init__(
        self, min_cacheable_tokens: int = 1024, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.min_cacheable_tokens = min_cacheable_tokens
        self.clock = clock
        self._entries: dict[str, float] = {}
        self._lock = threading.Lock()

    def _keys(self, body: dict[str, Any]) -> tuple[list[Any], list[int], list[str]]:
        """The blocks, the prompt's size up to each, and each prefix's cache key."""
        blocks: list[Any] = []
        cumulative: list[int] = []
        keys: list[str] = []
        digest = hashlib.sha256(str(body["model"]).encode())
        total = 0
        in_messages = False
        for level, block in _levelled_blocks(body):
            if level == "messages" and not in_messages:
                in_messages = True
                digest.update(messages_context(body).encode())
            blocks.append(block)
            total += tokens_of(block)
            cumulative.append(total)
            digest.update(canonical(block).encode())
            keys.append(digest.copy().hexdigest())
        return blocks, cumulative, keys

    def account(self, body: dict[str, Any]) -> InputUsage:
        """The usage of this request; writes its breakpoints' prefixes to the cache."""
        blocks, cumulative, keys = self._keys(body)
        ttls = [breakpoint_ttl(block) for block in blocks]
        breakpoints = [i for i, ttl in enumerate(ttls) if ttl is not None]
        now = self.clock()
        with self._lock:
            read_at = -1
            for point in breakpoints:
                for position in range(point, max(point - LOOKBACK_BLOCKS, -1), -1):
                    if self._entries.get(keys[position], 0.0) > now:
                        read_at = max(read_at, position)
                        break
            read = cumulative[read_at] if read_at >= 0 else 0
            written = [p for p in breakpoints if cumulative[p] >= self.min_cacheable_tokens]
            for point in written:
                ttl = TTL_SECONDS[str(ttls[point])]
                self._entries[keys[point]] = max(self._entries.get(keys[point], 0.0), now + ttl)
        last = max((cumulative[p] for p in written), default=0)
        last_1h = max((cumulative[p] for p in written if ttls[p] == "1h"), default=0)
        hour = max(last_1h - read, 0)
        minutes = max(last - max(read, last_1h), 0)
        total = cumulative[-1] if cumulative else 0
        return InputUsage(total - read - hour - minutes, read, minutes, hour)
