"""API requests and operator CPU between two snapshots of the API server's metrics,
split by client (API Priority and Fairness schema: the operator runs under an identity
of its own, `bench.identity`) and by verb and resource. Shared by `make bench` and the
scale benchmark."""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass
from statistics import median
from typing import Any

from bench import probes
from bench.promtext import sum_counter
from bench.stack import Stack

FLOW_METRIC = "apiserver_flowcontrol_dispatched_requests_total"


@dataclass
class Snapshot:
    at: float
    operator_cpu: float
    by_flow: Counter[tuple[str, ...]]
    by_verb: Counter[tuple[str, ...]]
    machine_busy: int
    machine_total: int


def snapshot(stack: Stack) -> Snapshot:
    text = probes.apiserver_metrics(stack.kube())
    busy, total = probes.machine_cpu()
    return Snapshot(
        at=time.monotonic(),
        operator_cpu=probes.cpu_seconds(stack.operator_pid),
        by_flow=sum_counter(text, FLOW_METRIC, ("flow_schema",)),
        by_verb=sum_counter(text, "apiserver_request_total", ("verb", "resource")),
        machine_busy=busy,
        machine_total=total,
    )


def build_costs(
    before: Snapshot, after: Snapshot, tasks: float, operator_flow: str
) -> dict[str, Any]:
    """Per-task costs between two snapshots (pure). Our own /metrics read is one
    request of the `exempt` schema and is taken out."""
    counted = after.by_flow - before.by_flow
    # The operator's schemas by verb and resource, folded into one client for the totals.
    flows: Counter[tuple[str, ...]] = Counter()
    for (name, *_), v in counted.items():
        flows[(operator_flow if name.startswith(operator_flow) else name,)] += v
    flows[("exempt",)] = max(0, flows[("exempt",)] - 1)
    verbs = after.by_verb - before.by_verb
    span = after.at - before.at
    cpu = after.operator_cpu - before.operator_cpu
    busy = (after.machine_busy - before.machine_busy) / max(
        1, after.machine_total - before.machine_total
    )
    return {
        "tasks": tasks,
        "span_s": span,
        "operator_cpu_s_per_task": cpu / tasks,
        "operator_cpu_share": cpu / span / (os.cpu_count() or 1) if span > 0 else 0.0,
        "machine_cpu_busy": busy,
        "operator_api_requests_per_task": flows[(operator_flow,)] / tasks,
        # The counted schemas' names: <operator_flow>-<verb>-<resource>.
        "operator_api_requests_per_task_by_verb_resource": {
            name[len(operator_flow) + 1 :].replace("-", " ", 1): v / tasks
            for (name, *_), v in sorted(counted.items(), key=lambda kv: -kv[1])
            if v and name.startswith(operator_flow + "-")
        },
        "all_api_requests_per_task": sum(flows.values()) / tasks,
        "api_requests_per_task_by_flow_schema": {
            k[0]: v / tasks for k, v in sorted(flows.items(), key=lambda kv: -kv[1]) if v
        },
        "api_requests_per_task_by_verb_resource": {
            f"{k[0]} {k[1]}": v / tasks
            for k, v in sorted(verbs.items(), key=lambda kv: -kv[1])[:15]
            if v
        },
    }


def summarize_breakdowns(costs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of each figure over several `build_costs` results (pure); a key missing
    from one of the split tables counts as 0 there."""
    if not costs:
        return {}
    out: dict[str, Any] = {}
    for key, first in costs[0].items():
        if isinstance(first, dict):
            names = sorted({n for c in costs for n in c.get(key, {})})
            medians = {n: median(c.get(key, {}).get(n, 0.0) for c in costs) for n in names}
            out[key] = dict(sorted(medians.items(), key=lambda kv: -kv[1]))
        else:
            out[key] = median(c[key] for c in costs)
    return out


# What the idle background adds per second to the per-task figures of `build_costs`.
_TOTALS = ("operator_cpu_s_per_task", "operator_api_requests_per_task", "all_api_requests_per_task")
_SPLITS = (
    "operator_api_requests_per_task_by_verb_resource",
    "api_requests_per_task_by_flow_schema",
    "api_requests_per_task_by_verb_resource",
)


def idle_per_second(before: Snapshot, after: Snapshot, operator_flow: str) -> dict[str, Any]:
    """The idle background between two snapshots, as rates per second (pure)."""
    return build_costs(before, after, max(after.at - before.at, 1e-9), operator_flow)


def net_of_idle(costs: dict[str, Any], idle: dict[str, Any]) -> dict[str, Any]:
    """`build_costs` figures less the idle background over their span (pure); a split's
    entry the task run did not show is left out."""
    share = costs["span_s"] / costs["tasks"]
    net = dict(costs)
    for key in _TOTALS:
        net[key] = costs[key] - idle.get(key, 0.0) * share
    for key in _SPLITS:
        rates = idle.get(key, {})
        net[key] = {k: v - rates.get(k, 0.0) * share for k, v in costs[key].items()}
    return net
