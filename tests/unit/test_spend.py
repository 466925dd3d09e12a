"""What a task spends and its budget: the pure rules (core.spend) and the decision over
simulated passes (status.usage, shares in the briefings, BudgetExceeded)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

import pytest
from test_status import PIPELINE, D, I, Sim

from devops_orchestrator.core.decision import Observation
from devops_orchestrator.core.spend import (
    budget_exceeded,
    build_usage_delta,
    default_budget,
    effective_budget,
    read_usage,
    render_usage,
    task_usage,
    worker_share,
)
from devops_orchestrator.core.status import read_status
from devops_orchestrator.models import TaskBudget, TokenUsage, WorkerResult

SPENT = TokenUsage(
    input_tokens=100, output_tokens=50, cache_read_tokens=800, cache_write_tokens=50, cost_usd=0.01
)


def test_budgets_combine_spec_and_defaults() -> None:
    defaults = default_budget(0, 2.5)
    assert defaults == TaskBudget(max_cost_usd=2.5)
    assert default_budget(0, 0.0) is None
    spec = TaskBudget(max_tokens=1000)
    assert effective_budget(spec, defaults) == TaskBudget(max_tokens=1000, max_cost_usd=2.5)
    assert effective_budget(None, defaults) == defaults
    assert effective_budget(spec, None) == spec
    assert TaskBudget.model_validate({"maxTokens": 5, "maxCostUSD": 0.5}).max_cost_usd == 0.5


def test_usage_is_summed_and_never_goes_down() -> None:
    results = [WorkerResult(summary="a", usage=SPENT), WorkerResult(summary="generator")]
    total = task_usage(results, [SPENT], TokenUsage())
    assert total.total_tokens == 2000 and total.cost_usd == 0.02
    assert task_usage([], [], total) == total  # the ConfigMaps are gone: the status keeps it
    rendered = render_usage(total)
    assert rendered == {
        "tokens": 2000,
        "costUSD": 0.02,
        "inputTokens": 200,
        "outputTokens": 100,
        "cacheReadTokens": 1600,
        "cacheWriteTokens": 100,
    }
    assert read_usage({"usage": rendered}) == total
    assert render_usage(TokenUsage()) is None
    assert read_usage({"usage": {"tokens": "many"}}) == TokenUsage()
    assert build_usage_delta({"usage": render_usage(SPENT)}, {"usage": rendered}) == SPENT
    assert build_usage_delta({"usage": rendered}, {}) == TokenUsage()


@pytest.mark.parametrize(
    ("budget", "stopped", "work_left", "exceeded"),
    [
        (None, True, True, False),
        (TaskBudget(max_cost_usd=0.02), False, True, False),
        (TaskBudget(max_cost_usd=0.01), False, True, True),
        (TaskBudget(max_cost_usd=0.01), False, False, False),  # all done: no harm
        (TaskBudget(max_tokens=1000), False, True, True),
        (TaskBudget(max_tokens=5000), True, False, True),  # a worker the budget stopped
    ],
)
def test_budget_exceeded(
    budget: TaskBudget | None, stopped: bool, work_left: bool, exceeded: bool
) -> None:
    results = [WorkerResult(summary="x", budget_exceeded="cost" if stopped else None)]
    message = budget_exceeded(budget, SPENT, results, work_left)
    assert (message is not None) == exceeded
    if message:
        assert message.startswith("Budget exceeded: 1000 tokens and $0.0100 spent (budget ")


def test_the_rest_of_the_budget_is_shared_by_the_unfinished_workers() -> None:
    budget = TaskBudget(max_tokens=10_000, max_cost_usd=0.31)
    assert worker_share(budget, SPENT, 3) == TaskBudget(max_tokens=3000, max_cost_usd=0.1)
    assert worker_share(TaskBudget(max_tokens=900), SPENT, 1) == TaskBudget(max_tokens=1)
    assert worker_share(None, SPENT, 2) is None


@dataclass
class SpendSim(Sim):
    usages: dict[str, TokenUsage] = field(default_factory=dict)

    def observe(self) -> Observation:
        return replace(super().observe(), usages=dict(self.usages))


def test_a_task_over_its_budget_ends_budget_exceeded_with_the_usage_so_far() -> None:
    spec = PIPELINE.model_copy(update={"budget": TaskBudget(max_cost_usd=0.03)})
    sim = SpendSim(spec=spec)
    first = sim.step()
    (docker,) = first.create
    assert docker.briefing.budget == TaskBudget(max_cost_usd=0.01)  # 3 workers share it
    assert docker.briefing.deadline == sim.now + timedelta(seconds=1800)  # the task deadline
    assert "usage" not in sim.status  # nothing spent yet

    sim.finish(D, usage=SPENT.model_dump())
    second = sim.step()
    (infra,) = second.create
    assert infra.briefing.budget == TaskBudget(max_cost_usd=0.01)  # (0.03 - 0.01) / 2
    assert sim.status["usage"]["costUSD"] == 0.01
    assert sim.status["result"]["usage"]["total_tokens"] == 1000

    sim.finish(I, usage=SPENT.model_dump(), budget_exceeded="cost")  # stopped by its share
    last = sim.step()
    assert last.finished and not last.create
    assert sim.status["phase"] == "Failed"
    conditions = {c["type"]: c for c in sim.status["conditions"]}
    assert conditions["Completed"]["reason"] == "BudgetExceeded"
    assert sim.status["message"].startswith("Budget exceeded: 2000 tokens and $0.0200 spent")
    assert sim.status["usage"]["tokens"] == 2000
    assert sim.worker("ci-worker")["phase"] == "Skipped"  # never started: nothing past it
    assert sim.events[-1] == "BudgetExceeded"


def test_failed_attempts_count_and_the_spend_stops_running_workers() -> None:
    spec = PIPELINE.model_copy(update={"budget": TaskBudget(max_tokens=1500)})
    sim = SpendSim(spec=spec)
    sim.step()
    sim.finish(D, ok=False)
    sim.usages["task-docker-1"] = SPENT.model_copy(update={"input_tokens": 600})  # 1500
    decision = sim.step()
    assert sim.status["phase"] == "Failed"
    assert sim.status["usage"]["tokens"] == 1500
    assert not decision.create  # no retry past the budget


def test_each_worker_entry_carries_its_own_usage() -> None:
    sim = SpendSim()
    sim.step()
    sim.finish(D, usage=SPENT.model_dump())
    sim.step()
    assert sim.worker(D)["usage"] == render_usage(SPENT) == {
        "tokens": 1000, "costUSD": 0.01, "inputTokens": 100, "outputTokens": 50,
        "cacheReadTokens": 800, "cacheWriteTokens": 50,
    }  # fmt: skip
    assert "usage" not in sim.worker(I)  # running: its result has not come yet
    sim.finish(I)  # a generator worker: no model, no usage
    sim.step()
    assert "usage" not in sim.worker(I)
    assert read_status(sim.status).workers[D].usage == SPENT  # read back as written
    assert sim.status["usage"]["tokens"] == 1000  # the task's total is unchanged


def test_a_hostile_worker_usage_reads_as_none() -> None:
    entries = [{"name": D, "usage": {"inputTokens": "lots"}}, {"name": I, "usage": [1]}]
    assert [s.usage for s in read_status({"workers": entries}).workers.values()] == [None, None]
