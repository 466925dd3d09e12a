"""The request split of the benchmarks: per task, by client and verb, net of idle."""

from __future__ import annotations

from collections import Counter

import pytest
from bench.api_costs import Snapshot, build_costs, net_of_idle, summarize_breakdowns
from bench.report import render_markdown, render_request_split

FLOW = "bench-operator"


def snap(
    at: float, cpu: float, flows: dict[str, int], verbs: dict[tuple[str, str], int]
) -> Snapshot:
    return Snapshot(
        at=at,
        operator_cpu=cpu,
        by_flow=Counter({(k,): v for k, v in flows.items()}),
        by_verb=Counter(verbs),
        machine_busy=0,
        machine_total=100,
    )


def test_the_operator_is_counted_apart_and_our_metrics_read_taken_out() -> None:
    before = snap(0.0, 1.0, {}, {})
    after = snap(
        10.0,
        1.5,
        {f"{FLOW}-create-jobs": 4, f"{FLOW}-patch-devopstasks.status": 6, "exempt": 11},
        {("POST", "jobs"): 4, ("PATCH", "devopstasks"): 6, ("PATCH", "pods"): 10},
    )
    costs = build_costs(before, after, 2, FLOW)
    assert costs["operator_api_requests_per_task"] == 5.0
    assert costs["all_api_requests_per_task"] == 10.0  # 4 + 6 + (11 - our /metrics GET)
    assert costs["api_requests_per_task_by_flow_schema"] == {FLOW: 5.0, "exempt": 5.0}
    assert costs["operator_api_requests_per_task_by_verb_resource"] == {
        "patch devopstasks.status": 3.0,
        "create jobs": 2.0,
    }
    assert costs["operator_cpu_s_per_task"] == 0.25


def test_the_idle_background_over_the_span_is_subtracted() -> None:
    costs = {
        "tasks": 5,
        "span_s": 10.0,
        "operator_cpu_s_per_task": 0.1,
        "operator_api_requests_per_task": 8.0,
        "all_api_requests_per_task": 20.0,
        "operator_api_requests_per_task_by_verb_resource": {"list devopstasks": 1.0},
        "api_requests_per_task_by_flow_schema": {FLOW: 8.0, "exempt": 12.0},
        "api_requests_per_task_by_verb_resource": {"PUT leases": 3.0, "POST jobs": 1.0},
    }
    idle = {  # per second
        "operator_cpu_s_per_task": 0.001,
        "operator_api_requests_per_task": 0.5,
        "all_api_requests_per_task": 2.0,
        "operator_api_requests_per_task_by_verb_resource": {"list devopstasks": 0.5},
        "api_requests_per_task_by_flow_schema": {FLOW: 0.5, "exempt": 1.5},
        "api_requests_per_task_by_verb_resource": {"PUT leases": 1.5, "GET nodes": 0.1},
    }
    net = net_of_idle(costs, idle)  # 2 s of background per task
    assert net["operator_api_requests_per_task"] == pytest.approx(7.0)
    assert net["all_api_requests_per_task"] == pytest.approx(16.0)
    assert net["operator_cpu_s_per_task"] == pytest.approx(0.098)
    assert net["operator_api_requests_per_task_by_verb_resource"] == {"list devopstasks": 0.0}
    assert net["api_requests_per_task_by_verb_resource"] == {"PUT leases": 0.0, "POST jobs": 1.0}
    assert net["api_requests_per_task_by_flow_schema"] == {FLOW: 7.0, "exempt": 9.0}


def test_batches_are_summarised_by_their_median_per_entry() -> None:
    batches = [
        {"tasks": 5, "all_api_requests_per_task": v, "api_requests_per_task_by_flow_schema": s}
        for v, s in ((20.0, {"exempt": 3.0}), (22.0, {"exempt": 5.0, FLOW: 9.0}), (30.0, {}))
    ]
    summary = summarize_breakdowns(batches)
    assert summary["all_api_requests_per_task"] == 22.0
    assert summary["api_requests_per_task_by_flow_schema"] == {"exempt": 3.0, FLOW: 0.0}
    assert summarize_breakdowns([]) == {}


def test_the_split_renders_as_tables() -> None:
    lines = render_request_split(
        {
            "api_requests_per_task_by_flow_schema": {FLOW: 7.04},
            "api_requests_per_task_by_verb_resource": {"POST jobs": 1.0},
            "operator_api_requests_per_task_by_verb_resource": {"create jobs": 1.0},
        }
    )
    assert f"| {FLOW} | 7.0 |" in lines
    assert "| POST jobs | 1.0 |" in lines
    assert "| create jobs | 1.0 |" in lines


def test_the_bare_jobs_cost_is_shown_beside_the_tasks() -> None:
    """The cluster's own share of a worker (one bare Job's requests) gets its row and its
    split, so a task's figure can be read against it."""
    bare = {
        "all_api_requests_per_task": 10.96,
        "operator_api_requests_per_task": 0.0,
        "api_requests_per_task_by_flow_schema": {"kube-system-service-accounts": 6.0},
        "api_requests_per_task_by_verb_resource": {"PUT jobs": 3.0},
    }
    text = render_markdown({"floor": {"seconds": {}, "api_breakdown": bare}})
    assert (
        "| API requests per bare Job, all clients (net of idle) | 11.0 (operator 0.0) | req |"
        in (text)
    )
    assert "## What a bare Job costs (the floor runs)" in text
    assert "| PUT jobs | 3.0 |" in text
    assert "## What a bare Job costs" not in render_markdown({"floor": {"seconds": {}}})
