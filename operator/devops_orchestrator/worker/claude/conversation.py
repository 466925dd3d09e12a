"""One Messages API conversation: the history, the requests (streamed, cached, retried),
the usage and cost, the logs and the transcript.

Caching: the tools and the system prompt carry `cache_control`, and so do the last two
user messages (a breakpoint that moves with the conversation: the newer one writes this
turn's prefix, the older one reads the previous turn's). Four breakpoints, the API's
maximum. A turn that forces the result changes `tool_choice`, which invalidates the
conversation's cache entries (not the tools' and the system prompt's): it reads only
those, and its messages carry no breakpoint, since writing them (1.25x) would only pay
off for another forced turn."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import anthropic
from anthropic.types import Message, ToolChoiceParam, ToolParam

from devops_orchestrator.models import TokenUsage
from devops_orchestrator.worker.claude import history
from devops_orchestrator.worker.claude.history import EPHEMERAL, Block, Turn
from devops_orchestrator.worker.claude.pricing import Price, cost_usd, price_reported
from devops_orchestrator.worker.claude.retry import is_retryable, parse_retry_after, retry_delay
from devops_orchestrator.worker.claude.runlog import log_event, log_turn
from devops_orchestrator.worker.claude.transcript import Transcript
from devops_orchestrator.worker.engine import EngineError

REQUEST_MAX_SECONDS = 600.0
# What the next turn adds beyond the history so far (the engine's own notes), estimated.
NEXT_TURN_MARGIN_TOKENS = 200


class ContextOverflowError(Exception):
    """The request no longer fits: the prompt is too long (400) or too large (413)."""


@dataclass(frozen=True)
class Limits:
    max_turns: int
    max_tokens_total: int | None  # every token billed: input, output, cache read and write
    max_cost_usd: float | None
    deadline: float  # on the conversation's clock
    submit_reserve_seconds: float  # asked to submit when less than this is left
    max_output_tokens: int
    output_tokens_ceiling: int  # max_tokens grows up to this when a tool call is cut
    max_retries: int


def _is_overflow(exc: anthropic.APIStatusError) -> bool:
    if exc.status_code == 413:
        return True
    return exc.status_code == 400 and "prompt is too long" in str(exc.api_message or "")


@dataclass
class Conversation:
    client: anthropic.Anthropic
    model: str
    system: str
    tools: Sequence[ToolParam]
    limits: Limits
    price: Price
    transcript: Transcript
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    caching: bool = True
    messages: list[Turn] = field(default_factory=list)
    usage: TokenUsage = field(default_factory=TokenUsage)
    turns: int = 0
    max_tokens: int = field(init=False)
    last_input_tokens: int = 0  # the whole prompt of the last turn, cached or not
    largest_growth: int = 0  # the most a turn grew the prompt (its answer and tool results)
    static_tokens: int = field(init=False)  # the tools and the system prompt, estimated
    last_turn: TokenUsage = field(default_factory=TokenUsage)
    added_chars: int = 0  # history added since the last request

    def __post_init__(self) -> None:
        self.max_tokens = self.limits.max_output_tokens
        # The first turn writes the whole prompt: the tools and the system prompt too.
        self.added_chars = len(self.system) + len(json.dumps(list(self.tools), default=str))
        self.static_tokens = self.added_chars // 4
        self.transcript.record(
            "system", model=self.model, system=self.system, tools=[t["name"] for t in self.tools]
        )

    # -- the history ---------------------------------------------------------------------

    def user(self, blocks: list[Block]) -> None:
        history.add(self.messages, "user", blocks)
        self.added_chars += len(json.dumps(blocks, default=str))
        self.transcript.record("user", content=blocks)

    def user_text(self, text: str) -> None:
        self.user([{"type": "text", "text": text}])

    def assistant(self, blocks: list[Block]) -> None:
        history.add(self.messages, "assistant", blocks)
        self.added_chars += len(json.dumps(blocks, default=str))

    def note(self, event: str, **fields: object) -> None:
        log_event(event, **fields)
        self.transcript.record("note", event=event, **fields)

    # -- budgets -----------------------------------------------------------------------

    def remaining(self) -> float:
        return self.limits.deadline - self.clock()

    def _priced(self, usage: TokenUsage) -> TokenUsage:
        return usage.model_copy(update={"cost_usd": cost_usd(usage, self.price)})

    def projected(self) -> TokenUsage:
        """The spend after the next turn and one more (the forced submit). The next turn
        reads the prompt before it from the cache and writes what is new; the forced
        submit reads only the tools and the system prompt (its `tool_choice` differs) and
        pays the rest as input, including what the next turn may add: as much as any
        turn added so far, at least as much output as the last turn had."""
        out = self.last_turn.output_tokens
        new = self.added_chars // 4 + NEXT_TURN_MARGIN_TOKENS
        next_prompt = self.last_input_tokens + new
        forced_prompt = next_prompt + max(self.largest_growth, out) + NEXT_TURN_MARGIN_TOKENS
        if not self.caching:
            upcoming = TokenUsage(output_tokens=out, input_tokens=next_prompt)
            following = TokenUsage(output_tokens=out, input_tokens=forced_prompt)
        else:
            upcoming = TokenUsage(
                output_tokens=out, cache_read_tokens=self.last_input_tokens, cache_write_tokens=new
            )
            static = min(self.static_tokens, forced_prompt)
            following = TokenUsage(
                output_tokens=out, cache_read_tokens=static, input_tokens=forced_prompt - static
            )
        return self.usage.plus(self._priced(upcoming)).plus(self._priced(following))

    def limit_reached(self) -> str | None:
        """The budget that calls for the result now: turns, tokens, cost or time. For
        tokens and cost, now means when a turn after the next would no longer fit: the
        next turn, the forced submit, must itself stay within the budget."""
        limits = self.limits
        projected = self.projected()
        if self.turns >= limits.max_turns:
            return "turns"
        if (
            limits.max_tokens_total is not None
            and projected.total_tokens >= limits.max_tokens_total
        ):
            return "tokens"
        if limits.max_cost_usd is not None and projected.cost_usd >= limits.max_cost_usd:
            return "cost"
        if self.remaining() <= limits.submit_reserve_seconds:
            return "time"
        return None

    def tool_seconds(self) -> float:
        """The time a tool may take: what is left before the submit turn."""
        return self.remaining() - self.limits.submit_reserve_seconds

    # -- requests ------------------------------------------------------------------------

    def _params(self, tool_choice: ToolChoiceParam | None) -> dict[str, Any]:
        tools: list[Any] = [dict(t) for t in self.tools]
        system: dict[str, Any] = {"type": "text", "text": self.system}
        moving = 2 if self.caching and tool_choice is None else 0
        messages = history.with_breakpoints(self.messages, moving)
        if self.caching:
            system["cache_control"] = EPHEMERAL
            if tools:
                tools[-1]["cache_control"] = EPHEMERAL
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": [system],
            "messages": messages,
        }
        if tools:
            params["tools"] = tools
        if tool_choice is not None:
            params["tool_choice"] = tool_choice
        return params

    def _stream(self, params: dict[str, Any]) -> tuple[Message, str | None]:
        remaining = self.remaining()
        if remaining <= 0:
            raise EngineError(f"out of time after {self.turns} turns")
        timeout = min(remaining, REQUEST_MAX_SECONDS)
        with self.client.messages.stream(**params, timeout=timeout) as stream:
            message = stream.get_final_message()
            return message, stream.request_id

    def send(self, tool_choice: ToolChoiceParam | None = None) -> Message:
        """One turn: the request (retried on overload and timeouts), its usage counted and
        logged. The answer is not added to the history: the caller decides how."""
        params = self._params(tool_choice)
        retry = 0
        while True:
            started = self.clock()
            try:
                message, request_id = self._stream(params)
                break
            except anthropic.APIStatusError as exc:
                if _is_overflow(exc):
                    raise ContextOverflowError(str(exc.api_message or exc.status_code)) from exc
                if not is_retryable(exc.status_code, exc.type):
                    raise
                failure: anthropic.APIError = exc
                after = parse_retry_after(dict(exc.response.headers), time.time())
            except anthropic.APIConnectionError as exc:
                failure, after = exc, None
            retry += 1
            delay = retry_delay(retry, after, self.remaining() - self.limits.submit_reserve_seconds)
            if retry > self.limits.max_retries or delay is None:
                raise failure
            status = getattr(failure, "status_code", "timeout")
            self.note("retry", status=status, retry=retry, wait_s=round(delay, 2))
            self.sleep(delay)
        self.turns += 1
        used = price_reported(message.usage, self.price)
        self.usage = self.usage.plus(used)
        self.last_turn = used
        self.added_chars = 0
        prompt = used.input_tokens + used.cache_read_tokens + used.cache_write_tokens
        if self.last_input_tokens:  # 0 after a trim: no growth to learn from
            self.largest_growth = max(self.largest_growth, prompt - self.last_input_tokens)
        self.last_input_tokens = prompt
        duration = self.clock() - started
        log_turn(self.turns, message.stop_reason, used, duration, request_id, self.max_tokens)
        self.transcript.record(
            "assistant",
            turn=self.turns,
            stop_reason=message.stop_reason,
            content=[b.model_dump(exclude_none=True) for b in message.content],
            usage=used.model_dump(),
            request_id=request_id,
        )
        return message
