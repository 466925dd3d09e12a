"""What a run costs in USD: token counts times a price table (USD per million tokens).

The built-in table holds the list prices by model family; `DEVOPS_CLAUDE_PRICES`
(JSON: model id or id prefix -> {"input", "output"[, "cache_write", "cache_write_1h",
"cache_read"]}) overrides or extends it. The longest matching prefix wins. Cache writes
cost 1.25x the input price for the 5-minute TTL and 2x for the 1-hour TTL, cache reads
0.1x, unless given. The API reports which writes went to which TTL
(`usage.cache_creation`); each call is priced by that split."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, ValidationError

from devops_orchestrator.models import TokenUsage

if TYPE_CHECKING:  # the operator prices the planner's call without loading the SDK first
    from anthropic.types import Usage

CACHE_WRITE_FACTOR = 1.25
CACHE_WRITE_1H_FACTOR = 2.0
CACHE_READ_FACTOR = 0.1
_PER_TOKEN = 1_000_000


class Price(BaseModel):
    """USD per million tokens."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cache_write: float | None = Field(default=None, ge=0)  # 5-minute TTL
    cache_write_1h: float | None = Field(default=None, ge=0)
    cache_read: float | None = Field(default=None, ge=0)

    @property
    def write(self) -> float:
        return self.cache_write if self.cache_write is not None else self.input * CACHE_WRITE_FACTOR

    @property
    def write_1h(self) -> float:
        if self.cache_write_1h is not None:
            return self.cache_write_1h
        return self.input * CACHE_WRITE_1H_FACTOR

    @property
    def read(self) -> float:
        return self.cache_read if self.cache_read is not None else self.input * CACHE_READ_FACTOR


BUILT_IN: dict[str, Price] = {
    "claude-opus-4-0": Price(input=15, output=75),
    "claude-opus-4-1": Price(input=15, output=75),
    "claude-opus-4-2025": Price(input=15, output=75),
    "claude-opus": Price(input=5, output=25),
    "claude-sonnet": Price(input=3, output=15),
    "claude-haiku": Price(input=1, output=5),
}
# An id no entry matches is priced like the most expensive family: a budget errs safe.
FALLBACK = Price(input=15, output=75)


def price_for(model: str, overrides: Mapping[str, Price] | None = None) -> Price:
    table = {**BUILT_IN, **(overrides or {})}
    matches = [prefix for prefix in table if model.startswith(prefix)]
    return table[max(matches, key=len)] if matches else FALLBACK


def cost_usd(usage: TokenUsage, price: Price, cache_write_1h_tokens: int = 0) -> float:
    """USD for `usage`, of whose cache writes `cache_write_1h_tokens` had the 1-hour TTL."""
    hour = min(max(cache_write_1h_tokens, 0), usage.cache_write_tokens)
    total = (
        usage.input_tokens * price.input
        + usage.output_tokens * price.output
        + (usage.cache_write_tokens - hour) * price.write
        + hour * price.write_1h
        + usage.cache_read_tokens * price.read
    )
    return round(total / _PER_TOKEN, 6)


def price_reported(reported: Usage, price: Price) -> TokenUsage:
    """One call's usage as the API reported it, with its cost (1-hour writes at their
    own price when the report splits the writes by TTL)."""
    usage = TokenUsage(
        input_tokens=reported.input_tokens,
        output_tokens=reported.output_tokens,
        cache_read_tokens=reported.cache_read_input_tokens or 0,
        cache_write_tokens=reported.cache_creation_input_tokens or 0,
    )
    split = reported.cache_creation
    hour = split.ephemeral_1h_input_tokens if split is not None else 0
    return usage.model_copy(update={"cost_usd": cost_usd(usage, price, hour)})


def parse_price_table(text: str) -> dict[str, Price]:
    """`DEVOPS_CLAUDE_PRICES`: a JSON object of model id prefix -> price; '' is none."""
    if not text.strip():
        return {}
    try:
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("a JSON object is expected")
        return {str(prefix): Price.model_validate(price) for prefix, price in raw.items()}
    except (ValueError, ValidationError) as exc:
        raise ValueError(f"DEVOPS_CLAUDE_PRICES is not a usable price table: {exc}") from None
