"""Token counts and prompt caching as the real API bills them, deterministically.

A request is a sequence of blocks in the order the API caches them: tools, system, then
every content block of every message. A block costs ceil(len(canonical JSON) / 4)
tokens (its `cache_control` left out). Caching follows the documented semantics:

- a block with `cache_control` is a breakpoint; the prefix up to it is written to the
  cache when it is at least `min_cacheable_tokens` long;
- a later request reads the longest cached prefix that ends at one of its breakpoints or
  at most 20 blocks before one;
- usage: `cache_read_input_tokens` = the prefix read, `cache_creation_input_tokens` =
  from there to the last breakpoint (when written), `input_tokens` = the rest.
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
    blocks: list[Any] = list(body.get("tools") or [])
    system = body.get("system")
    if isinstance(system, str) and system:
        blocks.append({"type": "text", "text": system})
    elif isinstance(system, list):
        blocks += system
    for message in body["messages"]:
        content = message["content"]
        items = [{"type": "text", "text": content}] if isinstance(content, str) else content
        # The role is part of what the model sees: the same text as user or assistant differs.
        blocks += [{"role": message["role"], **item} for item in items]
    return blocks


@dataclass(frozen=True)
class InputUsage:
    input_tokens: int
    cache_creation_input_tokens: int
    cache_read_input_tokens: int

    @property
    def total(self) -> int:
        return self.input_tokens + self.cache_creation_input_tokens + self.cache_read_input_tokens


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

    def account(self, body: dict[str, Any]) -> InputUsage:
        """The usage of this request; writes its breakpoints' prefixes to the cache."""
        blocks = request_blocks(body)
        cumulative: list[int] = []
        keys: list[str] = []
        digest = hashlib.sha256(str(body["model"]).encode())
        total = 0
        for block in blocks:
            total += tokens_of(block)
            cumulative.append(total)
            digest.update(canonical(block).encode())
            keys.append(digest.copy().hexdigest())
        breakpoints = [
            i for i, b in enumerate(blocks) if isinstance(b, dict) and b.get("cache_control")
        ]
        now = self.clock()
        with self._lock:
            read_at = -1
            for point in breakpoints:
                for position in range(point, max(point - LOOKBACK_BLOCKS, -1), -1):
                    if self._entries.get(keys[position], 0.0) > now:
                        read_at = max(read_at, position)
                        break
            read = cumulative[read_at] if read_at >= 0 else 0
            written = 0
            for point in breakpoints:
                if cumulative[point] < self.min_cacheable_tokens:
                    continue
                ttl = TTL_SECONDS.get(blocks[point]["cache_control"].get("ttl", "5m"), 300.0)
                self._entries[keys[point]] = now + ttl  # written or refreshed
                if point > read_at:
                    written = cumulative[point] - read
        return InputUsage(total - read - written, written, read)
