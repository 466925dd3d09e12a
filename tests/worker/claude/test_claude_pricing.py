"""A call's cost from what the API reported: 5-minute cache writes at 1.25x the input
price, 1-hour writes at 2x, reads at 0.1x, unless the price table says otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from anthropic.types import Usage

from devops_orchestrator.worker.claude.pricing import (
    Price,
    parse_price_table,
    price_for,
    price_reported,
)

SONNET = price_for("claude-sonnet-4-5")  # $3 in, $15 out per million


def _reported(five: int, hour: int, split: bool = True, **counts: int) -> Usage:
    """A Usage as the SDK parses it, `split` by TTL as the API reports it (or, from an
    older API, without the split)."""
    body: dict[str, Any] = {
        "input_tokens": counts.get("input", 0),
        "output_tokens": counts.get("output", 0),
        "cache_read_input_tokens": counts.get("read", 0),
        "cache_creation_input_tokens": five + hour,
    }
    if split:
        body["cache_creation"] = {
            "ephemeral_5m_input_tokens": five,
            "ephemeral_1h_input_tokens": hour,
        }
    return Usage.model_validate(body)


@pytest.mark.parametrize(
    ("reported", "price", "cost"),
    [
        pytest.param(_reported(1_000_000, 0), SONNET, 3.75, id="5-minute writes: 1.25x"),
        pytest.param(_reported(0, 1_000_000), SONNET, 6.0, id="1-hour writes: 2x"),
        pytest.param(_reported(500_000, 500_000), SONNET, 4.875, id="both TTLs in one call"),
        pytest.param(_reported(0, 0, read=1_000_000), SONNET, 0.3, id="reads: 0.1x"),
        pytest.param(
            _reported(0, 0, input=1_000_000, output=1_000_000), SONNET, 18.0, id="in and out"
        ),
        pytest.param(
            _reported(1_000_000, 0, split=False), SONNET, 3.75, id="no split: 5-minute writes"
        ),
        pytest.param(
            _reported(0, 1_000_000),
            Price(input=3, output=15, cache_write_1h=5.0),
            5.0,
            id="the table's own 1-hour price",
        ),
    ],
)
def test_a_call_is_priced_by_its_cache_write_ttls(
    reported: Usage, price: Price, cost: float
) -> None:
    usage = price_reported(reported, price)
    assert usage.cost_usd == pytest.approx(cost)
    assert usage.cache_write_tokens == (reported.cache_creation_input_tokens or 0)


def test_the_price_table_takes_a_one_hour_write_price() -> None:
    table = parse_price_table('{"claude-sonnet": {"input": 2, "output": 10, "cache_write_1h": 3}}')
    assert price_for("claude-sonnet-4-5", table).write_1h == 3
    assert price_for("claude-sonnet-4-5", table).write == 2.5  # 1.25x of its own input
    assert price_for("claude-haiku-4-5").write_1h == 2.0  # 2x of $1
    with pytest.raises(ValueError, match="not a usable price table"):
        parse_price_table('{"claude-sonnet": {"input": 2, "output": 10, "cache_write_1h": -1}}')
