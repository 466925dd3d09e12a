"""What a task spends on model calls, and its budget (pure).

A worker's usage is the sum over all its attempts (succeeded, failed, stopped by the
budget): what each attempt's stored result or stored usage says. It is counted once per
attempt and kept in the worker's status entry with the highest attempt counted, so it
never goes down when an attempt's ConfigMap is removed (Job TTL) and a repeated pass
adds nothing. The task's spend is the planner's call plus every worker's usage, never
below what the status already recorded. The budget (`spec.budget`, else
the operator's defaults) is shared by the workers not finished yet, so no worker can
run the task past it; a worker the budget stopped ends the task `BudgetExceeded`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from devops_orchestrator.models import TaskBudget, TokenUsage, WorkerResult

BUDGET_EXCEEDED = "BudgetExceeded"


def default_budget(max_tokens: int, max_cost_usd: float) -> TaskBudget | None:
    """The operator-wide budget of tasks without their own (0: no limit)."""
    if not max_tokens and not max_cost_usd:
        return None
    return TaskBudget(max_tokens=max_tokens or None, max_cost_usd=max_cost_usd or None)


def effective_budget(spec: TaskBudget | None, defaults: TaskBudget | None) -> TaskBudget | None:
    """The spec's budget, its missing limits taken from the operator's defaults."""
    if spec is None:
        return defaults
    if defaults is None:
        return spec
    return TaskBudget(
        max_tokens=spec.max_tokens if spec.max_tokens is not None else defaults.max_tokens,
        max_cost_usd=spec.max_cost_usd if spec.max_cost_usd is not None else defaults.max_cost_usd,
    )


def read_usage(status: Mapping[str, Any]) -> TokenUsage:
    """The spend recorded in a status (`status.usage`, or a worker entry's), zero when
    none; a figure below zero reads as zero."""
    stored = status.get("usage")
    if not isinstance(stored, Mapping):
        return TokenUsage()
    try:
        return TokenUsage(
            input_tokens=max(int(stored.get("inputTokens", 0)), 0),
            output_tokens=max(int(stored.get("outputTokens", 0)), 0),
            cache_read_tokens=max(int(stored.get("cacheReadTokens", 0)), 0),
            cache_write_tokens=max(int(stored.get("cacheWriteTokens", 0)), 0),
            cost_usd=max(float(stored.get("costUSD", 0.0)), 0.0),
        )
    except (TypeError, ValueError, OverflowError):
        return TokenUsage()


def _at_least(recorded: TokenUsage, total: TokenUsage) -> TokenUsage:
    if recorded.total_tokens > total.total_tokens or recorded.cost_usd > total.cost_usd:
        return recorded
    return total


def attempt_usages(
    names: Mapping[int, str],
    results: Mapping[str, WorkerResult],
    failed: Mapping[str, TokenUsage],
) -> dict[int, TokenUsage]:
    """By attempt number (`names`: attempt -> Job name): what each finished attempt
    spent, from its stored result or, for a failed attempt, its stored usage. An
    attempt with neither (running, or gone without a word) is absent."""
    spent: dict[int, TokenUsage] = {}
    for attempt, name in names.items():
        result = results.get(name)
        usage = result.usage if result is not None else None
        if usage is None:
            usage = failed.get(name)
        if usage is None and result is not None:
            usage = TokenUsage()  # a generator's result: known, nothing spent
        if usage is not None:
            spent[attempt] = usage
    return spent


def count_worker_usage(
    recorded: TokenUsage | None, through: int | None, attempts: Mapping[int, TokenUsage]
) -> tuple[TokenUsage | None, int | None]:
    """A worker's usage and the highest attempt counted in it, after adding the attempts
    not counted yet. Attempts run one after the other, so an attempt after `through`
    that is still unknown when a later one is known ended without a word and is passed.
    Without `through` (a status older than this rule) the usage is the sum of the
    attempts seen, never below `recorded`."""
    total = recorded or TokenUsage()
    if through is None:
        total = _at_least(total, sum_usage(attempts.values()))
    else:
        total = total.plus(sum_usage(u for n, u in attempts.items() if n > through))
    highest = max([*attempts, through or 0]) or None
    return (total if total.total_tokens or total.cost_usd else None), highest


def sum_usage(usages: Iterable[TokenUsage]) -> TokenUsage:
    total = TokenUsage()
    for usage in usages:
        total = total.plus(usage)
    return total


def task_usage(
    workers: Iterable[TokenUsage | None], planner: TokenUsage, recorded: TokenUsage
) -> TokenUsage:
    """The planner's call plus every worker's usage, never below what the status
    already recorded."""
    total = sum_usage([planner, *(usage for usage in workers if usage is not None)])
    return _at_least(recorded, total)


def render_usage(usage: TokenUsage) -> dict[str, Any] | None:
    """`status.usage` (camelCase; `tokens` is every billed token), None when nothing was
    spent (generator runs)."""
    if usage.total_tokens == 0:
        return None
    return {
        "tokens": usage.total_tokens,
        "costUSD": round(usage.cost_usd, 6),
        "inputTokens": usage.input_tokens,
        "outputTokens": usage.output_tokens,
        "cacheReadTokens": usage.cache_read_tokens,
        "cacheWriteTokens": usage.cache_write_tokens,
    }


def _limit_text(budget: TaskBudget) -> str:
    limits = []
    if budget.max_tokens is not None:
        limits.append(f"{budget.max_tokens} tokens")
    if budget.max_cost_usd is not None:
        limits.append(f"${budget.max_cost_usd:g}")
    return " / ".join(limits)


def budget_exceeded(
    budget: TaskBudget | None,
    spent: TokenUsage,
    results: Iterable[WorkerResult],
    work_left: bool,
) -> str | None:
    """Why the task is over its budget (the status message), or None: a worker the budget
    stopped, or the budget spent while work is left."""
    if budget is None:
        return None
    over = (budget.max_tokens is not None and spent.total_tokens >= budget.max_tokens) or (
        budget.max_cost_usd is not None and spent.cost_usd >= budget.max_cost_usd
    )
    stopped = any(r.budget_exceeded for r in results)
    if not (stopped or (over and work_left)):
        return None
    return (
        f"Budget exceeded: {spent.total_tokens} tokens and ${spent.cost_usd:.4f} spent "
        f"(budget {_limit_text(budget)})"
    )


def worker_share(
    budget: TaskBudget | None, spent: TokenUsage, unfinished: int
) -> TaskBudget | None:
    """What one of the `unfinished` workers may spend: the rest of the budget, shared."""
    if budget is None:
        return None
    workers = max(unfinished, 1)
    tokens = cost = None
    if budget.max_tokens is not None:
        tokens = max((budget.max_tokens - spent.total_tokens) // workers, 1)
    if budget.max_cost_usd is not None:
        cost = max(round((budget.max_cost_usd - spent.cost_usd) / workers, 6), 1e-6)
    return TaskBudget(max_tokens=tokens, max_cost_usd=cost)


def build_usage_delta(old: Mapping[str, Any], new: Mapping[str, Any]) -> TokenUsage:
    """What was spent between two statuses (for counters); zero when nothing grew."""
    before, after = read_usage(old), read_usage(new)
    return TokenUsage(
        input_tokens=max(after.input_tokens - before.input_tokens, 0),
        output_tokens=max(after.output_tokens - before.output_tokens, 0),
        cache_read_tokens=max(after.cache_read_tokens - before.cache_read_tokens, 0),
        cache_write_tokens=max(after.cache_write_tokens - before.cache_write_tokens, 0),
        cost_usd=max(round(after.cost_usd - before.cost_usd, 6), 0.0),
    )
