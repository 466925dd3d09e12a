"""The run's conversation as JSON lines, redacted and capped, for `devopsctl transcript`.

One line per event: the system prompt and tool names, every user and assistant message
(with the turn's stop reason, usage and request id), and notes (retries, trimming). Long
texts are cut; when the whole exceeds `max_chars` the middle lines are dropped and one
line says how many."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from devops_orchestrator.worker.claude.redact import redact

TEXT_MAX_CHARS = 4000
TRANSCRIPT_MAX_CHARS = 400_000


def _cut(value: Any) -> Any:
    """`value` with every long string shortened (tool inputs, results, texts)."""
    if isinstance(value, str) and len(value) > TEXT_MAX_CHARS:
        return value[:TEXT_MAX_CHARS] + f"... [{len(value) - TEXT_MAX_CHARS} more chars]"
    if isinstance(value, list):
        return [_cut(v) for v in value]
    if isinstance(value, dict):
        return {k: _cut(v) for k, v in value.items() if k != "cache_control"}
    return value


@dataclass
class Transcript:
    secrets: Sequence[str] = ()
    lines: list[str] = field(default_factory=list)

    def record(self, kind: str, **fields: Any) -> None:
        # ASCII only: a character is a byte, so the cap holds for the ConfigMap's size.
        line = json.dumps({"type": kind, **_cut(fields)}, default=str)
        self.lines.append(redact(line, self.secrets))

    def render(self, max_chars: int = TRANSCRIPT_MAX_CHARS) -> str:
        """The JSONL text; over `max_chars`, the first and last lines with a gap note."""
        sizes = [len(line) + 1 for line in self.lines]
        if sum(sizes) <= max_chars:
            return "".join(line + "\n" for line in self.lines)
        head: list[str] = []
        tail: list[str] = []
        budget = max_chars - 200
        front, back = 0, len(self.lines) - 1
        while front <= back:
            take_front = len(head) <= len(tail)
            index = front if take_front else back
            if sizes[index] > budget:
                break
            budget -= sizes[index]
            if take_front:
                head.append(self.lines[front])
                front += 1
            else:
                tail.insert(0, self.lines[back])
                back -= 1
        gap = json.dumps({"type": "gap", "lines_left_out": back - front + 1})
        return "".join(line + "\n" for line in [*head, gap, *tail])
