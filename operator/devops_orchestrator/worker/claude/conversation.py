"""One Messages API conversation: the history, the budgets, the token usage."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import anthropic
from anthropic.types import Message, MessageParam, ToolChoiceParam, ToolParam

from devops_orchestrator.models import TokenUsage
from devops_orchestrator.worker.engine import EngineError

log = logging.getLogger(__name__)

_REQUEST_MAX_SECONDS = 600.0


@dataclass(frozen=True)
class Budget:
    max_turns: int
    max_tokens_total: int
    timeout_seconds: float
    max_output_tokens: int


@dataclass
class Conversation:
    client: anthropic.Anthropic
    model: str
    system: str
    tools: Sequence[ToolParam]
    budget: Budget
    clock: Callable[[], float] = time.monotonic
    messages: list[MessageParam] = field(default_factory=list)
    usage: TokenUsage = field(default_factory=TokenUsage)
    turns: int = 0
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def say(self, content: str | list[anthropic.types.ContentBlockParam]) -> None:
        self.messages.append({"role": "user", "content": content})

    def exhausted(self) -> str | None:
        """The budget that is used up ('turns' or 'tokens'), or None."""
        if self.turns >= self.budget.max_turns:
            return "turns"
        if self.usage.input_tokens + self.usage.output_tokens >= self.budget.max_tokens_total:
            return "tokens"
        return None

    def send(self, *, tools_allowed: bool = True) -> Message:
        """One request with the whole history; the answer joins the history."""
        remaining = self.budget.timeout_seconds - (self.clock() - self.started)
        if remaining <= 0:
            raise EngineError(
                f"wall clock limit of {self.budget.timeout_seconds:g}s reached "
                f"after {self.turns} turns"
            )
        tool_choice: ToolChoiceParam | anthropic.Omit = anthropic.omit
        if self.tools and not tools_allowed:
            tool_choice = {"type": "none"}
        response = self.client.messages.create(
            model=self.model,
            max_tokens=self.budget.max_output_tokens,
            system=self.system,
            messages=self.messages,
            tools=list(self.tools) if self.tools else anthropic.omit,
            tool_choice=tool_choice,
            timeout=min(remaining, _REQUEST_MAX_SECONDS),
        )
        self.turns += 1
        usage = response.usage
        self.usage = TokenUsage(
            input_tokens=self.usage.input_tokens
            + usage.input_tokens
            + (usage.cache_creation_input_tokens or 0)
            + (usage.cache_read_input_tokens or 0),
            output_tokens=self.usage.output_tokens + usage.output_tokens,
        )
        log.info(
            "turn %d: stop_reason=%s, tokens in=%d out=%d",
            self.turns,
            response.stop_reason,
            usage.input_tokens,
            usage.output_tokens,
        )
        self.messages.append({"role": "assistant", "content": response.content})
        return response
