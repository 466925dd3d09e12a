"""What a task spends and its budget: the pure rules (core.spend) and the decision over
simulated passes (status.usage, shares in the briefings, BudgetExceeded)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from test_status import PIPELINE, D, I, Sim

from devops_orchestrator.core.decision import Observation
from devops_orchestrator.core.routing import RoutingDecision
from devops_orchestrator.core.spend import (
    attempt_usages,
    budget_exceeded,
    build_usage_delta,
    count_worker_usage,
    default_budget,
    effective_budget,
    read_usage,
    render_usage,
    task_usage,
    worker_share,
)
from devops_orchestrator.core.status import read_status
from devops_orchestrator.models import DevOpsTaskSpec, TaskBudget, TokenUsage, WorkerResult

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
    total = task_usage([SPENT, None], SPENT, TokenUsage())  # a worker, a generator, the planner
    assert total.total_tokens == 2000 and total.cost_usd == 0.02
    assert task_usage([], TokenUsage(), total) == total  # never below what was recorded
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
    assert read_usage({"usage": {"inputTokens": -5, "costUSD": -1}}) == TokenUsage()
    assert read_usage({"usage": {"inputTokens": float("inf")}}) == TokenUsage()
    assert build_usage_delta({"usage": render_usage(SPENT)}, {"usage": rendered}) == SPENT
    assert build_usage_delta({"usage": rendered}, {}) == TokenUsage()


A = SPENT
B = TokenUsage(input_tokens=7, output_tokens=3, cost_usd=0.002)
C_ = TokenUsage(output_tokens=90, cost_usd=0.005)
NOTHING = TokenUsage()


@pytest.mark.parametrize(
    ("recorded", "through", "attempts", "usage", "counted"),
    [
        pytest.param(None, None, {}, None, None, id="not started"),
        pytest.param(None, None, {1: A}, A, 1, id="first attempt failed after spending"),
        pytest.param(A, 1, {1: A, 2: B}, A.plus(B), 2, id="the retry succeeded: both"),
        pytest.param(A.plus(B), 2, {1: A, 2: B}, A.plus(B), 2, id="a repeated pass adds nothing"),
        pytest.param(A.plus(B), 2, {}, A.plus(B), 2, id="the ConfigMaps are gone (Job TTL)"),
        pytest.param(A.plus(B), 2, {3: C_}, A.plus(B).plus(C_), 3, id="a new round after GC"),
        pytest.param(A, 1, {3: C_}, A.plus(C_), 3, id="attempt 2 ended without a word"),
        pytest.param(A, 1, {}, A, 1, id="attempt 2 still running"),
        pytest.param(B, None, {1: A, 2: B}, A.plus(B), 2, id="older status: the success only"),
        pytest.param(A.plus(B), None, {2: B}, A.plus(B), 2, id="older status, attempt 1 gone"),
        pytest.param(None, None, {1: NOTHING}, None, 1, id="a generator spends nothing"),
        pytest.param(A.plus(B), 2, {1: A}, A.plus(B), 2, id="the last one's ConfigMap went first"),
    ],
)
def test_a_worker_usage_is_the_sum_over_its_attempts_counted_once(
    recorded: TokenUsage | None,
    through: int | None,
    attempts: dict[int, TokenUsage],
    usage: TokenUsage | None,
    counted: int | None,
) -> None:
    assert count_worker_usage(recorded, through, attempts) == (usage, counted)


def test_an_attempt_spent_what_its_result_or_its_failure_says() -> None:
    names = {1: "t-docker-1", 2: "t-docker-2", 3: "t-docker-3", 4: "t-docker-4"}
    results = {
        "t-docker-2": WorkerResult(summary="budget-stopped", usage=B, budget_exceeded="cost"),
        "t-docker-3": WorkerResult(summary="generator"),
        "t-docker-4": WorkerResult(summary="both", usage=C_),
        "t-other-1": WorkerResult(summary="not this worker", usage=A),
    }
    failed = {"t-docker-1": A, "t-docker-4": B}  # a result's own usage wins
    assert attempt_usages(names, results, failed) == {1: A, 2: B, 3: NOTHING, 4: C_}
    assert attempt_usages({5: "t-docker-5"}, results, failed) == {}  # still running


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


def test_a_failed_attempt_counts_in_its_worker_and_the_task_once() -> None:
    sim = SpendSim()
    sim.step()
    sim.finish(D, ok=False)  # attempt 1 spent A, then failed
    sim.usages["task-docker-1"] = A
    sim.step()
    assert sim.worker(D)["phase"] == "Retrying"
    assert sim.worker(D)["usage"] == render_usage(A)
    assert sim.worker(D)["usageThroughAttempt"] == 1
    sim.finish(D, usage=B.model_dump())  # attempt 2 succeeded, spending B
    before = sim.status
    sim.step()
    both = A.plus(B)
    assert sim.worker(D)["usage"] == render_usage(both)
    assert sim.status["usage"] == render_usage(both)  # the task: the sum over its workers
    assert sim.status["result"]["usage"] == {**both.model_dump(), "total_tokens": 1010}
    assert build_usage_delta(before, sim.status) == B  # the counters grow by B alone

    again = sim.status
    repeated = sim.step()  # the same observation again: nothing added anywhere
    assert not repeated.status_patch and sim.status == again
    assert build_usage_delta(again, sim.status) == TokenUsage()

    del sim.results["task-docker-2"]  # the Jobs and their ConfigMaps are gone (TTL)
    del sim.jobs["task-docker-2"]
    del sim.usages["task-docker-1"]
    del sim.jobs["task-docker-1"]
    sim.step()
    assert sim.worker(D)["usage"] == render_usage(both)
    assert sim.status["usage"] == render_usage(both)


def test_a_worker_that_fails_for_good_and_its_next_round_keep_every_attempt() -> None:
    spec = PIPELINE.model_copy(update={"max_retries": 0})
    sim = SpendSim(spec=spec)
    sim.step()
    sim.finish(D, ok=False)
    sim.usages["task-docker-1"] = A
    sim.step()
    assert sim.status["phase"] == "Failed"
    assert sim.worker(D)["usage"] == render_usage(A) and sim.status["usage"] == render_usage(A)

    sim.retry_token = "again"  # a new round: attempt 2, the first attempt still counted
    sim.step()
    sim.finish(D, usage=B.model_dump(), budget_exceeded="tokens")  # stopped by the budget
    sim.step()
    assert sim.worker(D)["usage"] == render_usage(A.plus(B))
    assert sim.worker(D)["usageThroughAttempt"] == 2
    assert sim.status["usage"] == render_usage(A.plus(B))


def test_the_task_total_is_the_planner_and_the_workers() -> None:
    sim = SpendSim()
    sim.step()
    sim.status["plan"]["usage"] = C_.model_dump()  # the Claude planner's call
    sim.finish(D, usage=A.model_dump())
    sim.step()
    sim.finish(I, ok=False)
    sim.usages["task-infra-1"] = B
    sim.step()
    workers = [read_status(sim.status).workers[w].usage for w in (D, I)]
    assert workers == [A, B]
    assert sim.status["usage"] == render_usage(task_usage(workers, C_, TokenUsage()))


def _kept(value: Any, schema: dict[str, Any], where: str = "status") -> list[str]:
    """The fields the API server would prune (not in the schema, no preserve flag)."""
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return []
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return [
            problem
            for key, inner in value.items()
            for problem in (
                _kept(inner, props[key], f"{where}.{key}") if key in props else [f"{where}.{key}"]
            )
        ]
    if isinstance(value, list):
        return [p for item in value for p in _kept(item, schema.get("items", {}), f"{where}[]")]
    return []


def test_the_crd_keeps_and_accepts_the_usage_written() -> None:
    crd = yaml.safe_load((Path(__file__).resolve().parents[2] / "crds/devopstask.yaml").read_text())
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
    sim = SpendSim()
    sim.step()
    sim.finish(D, ok=False)
    sim.usages["task-docker-1"] = A
    sim.step()
    sim.finish(D, usage=B.model_dump())
    sim.step()
    assert sim.worker(D)["usageThroughAttempt"] == 2
    assert _kept(sim.status, schema) == []
    jsonschema.Draft7Validator(schema).validate(sim.status)


@dataclass
class PlannerSim(SpendSim):
    routing: RoutingDecision | None = None

    def observe(self) -> Observation:
        return replace(super().observe(), routing=self.routing)


def test_a_planner_call_that_chose_no_worker_still_counts_once() -> None:
    sim = PlannerSim(spec=DevOpsTaskSpec(description="Write a poem"))
    sim.routing = RoutingDecision(error="No worker matched", planner="claude", usage=C_)
    sim.step()
    assert sim.status["phase"] == "Failed"
    assert sim.status["usage"] == render_usage(C_)
    assert sim.status["result"]["usage"]["total_tokens"] == C_.total_tokens
    sim.status.pop("phase")  # the same answer seen again by a repeated pass
    sim.step()
    assert sim.status["usage"] == render_usage(C_)
