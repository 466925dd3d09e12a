"""Prompt caching pays: a scripted 15-turn run bills at most 40 % of the input tokens the
same run bills without caching (cache reads at 0.1x, cache writes at 1.25x, as the API
bills them). The figures are printed (`pytest -s`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from claude_support import EngineFactory

from devops_orchestrator.models import AgentDefinition, Briefing, TaskBudget
from fakes.messages_api import MessagesAPIServer
from fakes.messages_cache import PromptCache

SOURCES = {
    "package.json": '{"name": "shop", "scripts": {"start": "node server.js"}}\n',
    "server.js": "".join(f"app.get('/r{n}', (q, s) => s.send('{n}'));\n" for n in range(150)),
    "lib/db.js": "".join(
        f"export const q{n} = () => pool.query('SELECT {n}');\n" for n in range(120)
    ),
    "README.md": "# Shop\n" + "Run it with npm start.\n" * 80,
}


def _script(api: MessagesAPIServer) -> None:
    """14 tool turns, then the result: 15 turns in all."""
    turns: list[tuple[str, dict[str, Any]]] = [
        ("Glob", {"pattern": "**/*"}),
        ("Read", {"path": "package.json"}),
        ("Read", {"path": "server.js"}),
        ("Read", {"path": "lib/db.js"}),
        ("Grep", {"pattern": "listen|PORT"}),
        ("Read", {"path": "README.md"}),
        ("Write", {"path": "Dockerfile", "content": 'FROM node:20-alpine\nCMD ["node"]\n'}),
        ("validate", {"files": ["Dockerfile"]}),
        ("Edit", {"path": "Dockerfile", "old_string": "FROM", "new_string": "FROM"}),
        ("Write", {"path": ".dockerignore", "content": "node_modules\n.git\n"}),
        ("Write", {"path": "compose.yaml", "content": "services:\n  app:\n    build: .\n"}),
        ("validate", {"files": ["compose.yaml"]}),
        ("Bash", {"command": "ls -la"}),
        ("Glob", {"pattern": "*"}),
    ]
    for name, tool_input in turns:
        api.reply_tool_use(name, tool_input, text=f"Next: {name}.")
    api.reply_submit({"summary": "containerized the shop"})


def _billed_input(api: MessagesAPIServer) -> float:
    return sum(
        r.usage["input_tokens"]
        + 1.25 * r.usage["cache_creation_input_tokens"]
        + 0.1 * r.usage["cache_read_input_tokens"]
        for r in api.requests
    )


def test_caching_bills_at_most_40_percent_of_the_input(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    tmp_path: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    billed: dict[bool, float] = {}
    for caching in (False, True):
        workspace = tmp_path / f"caching-{caching}"
        for name, text in SOURCES.items():
            (workspace / name).parent.mkdir(parents=True, exist_ok=True)
            (workspace / name).write_text(text)
        messages_api.reset()
        messages_api.cache = PromptCache()
        _script(messages_api)
        result = make_engine(claude_prompt_caching=caching).run(briefing, definition, workspace)
        assert result.summary == "containerized the shop"
        assert len(messages_api.requests) == 15
        billed[caching] = _billed_input(messages_api)

    ratio = billed[True] / billed[False]
    print(
        f"\n15-turn run, billed input tokens: without caching {billed[False]:.0f}, "
        f"with caching {billed[True]:.0f} ({ratio:.1%})"
    )
    assert ratio <= 0.40


FORCED = {"type": "tool", "name": "submit_result"}


def test_a_forced_submit_after_a_long_history_stays_within_the_budget(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    """Forcing the result changes `tool_choice`, so the forced turn cannot read the
    conversation from the cache (only the tools and the system prompt): its cost must be
    foreseen as such, or a long history pushes the run past its budget."""
    rows = "".join(f"{n},item-{n},{n * 7 % 1000},warehouse-{n % 13}\n" for n in range(1800))
    (workspace / "stock.csv").write_text(rows)  # ~15k tokens a Read
    messages_api.reply_until_forced("Read", {"path": "stock.csv"}, {"summary": "stopped"})
    budget = TaskBudget(max_cost_usd=0.3)

    result = make_engine().run(
        briefing.model_copy(update={"budget": budget}), definition, workspace
    )

    forced = messages_api.requests[-1]
    assert forced.body["tool_choice"] == FORCED and len(messages_api.requests) > 2
    assert result.budget_exceeded == "cost"
    assert result.usage is not None and result.usage.cost_usd <= 0.3
    print(
        f"\nforced submit after {len(messages_api.requests) - 1} turns, "
        f"${result.usage.cost_usd:.4f} of $0.30: {forced.usage}"
    )
    # It reads the tools and the system prompt, and writes nothing (no breakpoint after).
    assert forced.usage["cache_read_input_tokens"] > 0
    assert forced.usage["cache_creation_input_tokens"] == 0
    assert "cache_control" not in json.dumps(forced.body["messages"])


def test_without_caching_the_budget_check_pays_the_whole_prompt(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    (workspace / "stock.csv").write_text("sku,count\n" * 3000)  # ~7.5k tokens a Read
    messages_api.reply_until_forced("Read", {"path": "stock.csv"}, {"summary": "stopped"})
    budget = TaskBudget(max_cost_usd=0.2)
    engine = make_engine(claude_prompt_caching=False)

    result = engine.run(briefing.model_copy(update={"budget": budget}), definition, workspace)

    assert len(messages_api.requests) > 2
    assert all(r.usage["cache_read_input_tokens"] == 0 for r in messages_api.requests)
    assert result.budget_exceeded == "cost"
    assert result.usage is not None and result.usage.cost_usd <= 0.2
