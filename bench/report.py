"""results.json -> the Markdown table (pure)."""

from __future__ import annotations

from typing import Any


def format_summary(
    summary: dict[str, Any], key: str = "p50", scale: float = 1.0, fmt: str = ".2f"
) -> str:
    if not summary or summary.get("n", 0) == 0:
        return "n/a"
    value = format(summary[key] * scale, fmt)
    if summary["n"] < 2:
        return f"{value} (n=1)"
    low, high = format(summary["min"] * scale, fmt), format(summary["max"] * scale, fmt)
    return f"{value} [{low}-{high}, n={summary['n']}]"


def render_request_split(costs: dict[str, Any]) -> list[str]:
    """Requests per task by client, by verb and resource, and the operator's by verb and
    resource: the tables of a `bench.api_costs.build_costs` result (pure)."""
    flows = costs.get("api_requests_per_task_by_flow_schema") or {}
    verbs = costs.get("api_requests_per_task_by_verb_resource") or {}
    ours = costs.get("operator_api_requests_per_task_by_verb_resource") or {}
    lines = [
        "| client (FlowSchema) | requests/task |",
        "|---|---|",
        *(f"| {k} | {v:.1f} |" for k, v in flows.items()),
        "",
        "| verb resource (all clients) | requests/task |",
        "|---|---|",
        *(f"| {k} | {v:.1f} |" for k, v in verbs.items()),
    ]
    if ours:
        lines += [
            "",
            "| verb resource (the operator) | requests/task |",
            "|---|---|",
            *(f"| {k} | {v:.1f} |" for k, v in ours.items()),
        ]
    return lines


def _request_sections(
    one: dict[str, Any], three: dict[str, Any], bare: dict[str, Any]
) -> list[str]:
    lines: list[str] = []
    for title, costs in (("one-worker task", one), ("three-worker task", three)):
        if not costs:
            continue
        lines += [
            "",
            f"## Where the API requests of a {title} go",
            "",
            f"Net of the idle background; the operator (its own identity, FlowSchema "
            f"`bench-operator`) made {costs.get('operator_api_requests_per_task', 0):.1f} of "
            f"{costs.get('all_api_requests_per_task', 0):.1f}. Node agent, workers' pods and "
            "the harness share the admin identity (`exempt`); `kube-system-service-accounts` "
            "are the controllers.",
            "",
            *render_request_split(costs),
        ]
    if bare:
        lines += [
            "",
            "## What a bare Job costs (the floor runs)",
            "",
            "The same split for one bare Job (created by the harness, one pod that exits at "
            f"once), net of the idle background: {bare.get('all_api_requests_per_task', 0):.1f} "
            "requests by every client. Each worker of a task costs the cluster about as much.",
            "",
            *render_request_split(bare),
        ]
    return lines


def _one_figure(costs: dict[str, Any]) -> str:
    value = costs.get("all_api_requests_per_task")
    return (
        "n/a"
        if value is None
        else f"{value:.1f} (operator {costs.get('operator_api_requests_per_task', 0):.1f})"
    )


def render_markdown(results: dict[str, Any]) -> str:
    floor = results.get("floor", {}).get("seconds", {})
    lat = results.get("latency", {})
    thr = results.get("throughput", {})
    mem = results.get("memory", {})
    lat_cost, thr_cost = lat.get("cost", {}), thr.get("cost", {})
    ratio = lat.get("ratio_to_floor", {})
    mib = 1 / 1024
    first = (thr.get("runs") or [{}])[0]
    boot = results.get("worker_startup", {})
    alone, stored = boot.get("standalone", {}), boot.get("in_cluster", {})
    rows = [
        (
            "Worker CPU, exec → first log line (empty task)",
            format_summary(alone.get("cpu_to_first_line_s", {}), fmt=".3f"),
            "CPU-s",
        ),
        (
            "Worker CPU, exec → exit (empty task, standalone)",
            format_summary(alone.get("cpu_to_exit_s", {}), fmt=".3f"),
            "CPU-s",
        ),
        (
            "Worker CPU, exec → exit (empty task, with a pod's POD_NAMESPACE and kubeconfig)",
            format_summary(stored.get("cpu_to_exit_s", {}), fmt=".3f"),
            "CPU-s",
        ),
        ("Floor: bare Job create → Complete, p50", format_summary(floor), "s"),
        ("Floor p95", format_summary(floor, "p95"), "s"),
        (
            "API requests per bare Job, all clients (net of idle)",
            _one_figure(results.get("floor", {}).get("api_breakdown") or {}),
            "req",
        ),
        (
            "Task latency (1 worker, LPUSH → final result), p50",
            format_summary(lat.get("seconds", {})),
            "s",
        ),
        ("Task latency p95", format_summary(lat.get("seconds", {}), "p95"), "s"),
        (
            "Latency / floor (p50; p95)",
            f"{ratio.get('p50', float('nan')):.2f}; {ratio.get('p95', float('nan')):.2f}",
            "x",
        ),
        (
            "Pickup (LPUSH → DevOpsTask seen), p50",
            format_summary(lat.get("pickup_seconds", {}), fmt=".3f"),
            "s",
        ),
        ("Pickup p95", format_summary(lat.get("pickup_seconds", {}), "p95", fmt=".3f"), "s"),
        (
            f"Throughput ({first.get('tasks', '?')} tasks x {first.get('workers_per_task', 0):.0f} "
            f"workers x {first.get('worker_sleep_s', '?')} s)",
            format_summary(thr.get("tasks_per_s", {}), fmt=".3f"),
            "tasks/s",
        ),
        (
            "Sequential runner (one task, workers one after another)",
            f"{first.get('sequential_tasks_per_s', float('nan')):.3f}",
            "tasks/s",
        ),
        ("Throughput / sequential", format_summary(thr.get("ratio_to_sequential", {})), "x"),
        (
            "API requests per task, 1-worker (net of idle)",
            format_summary(lat_cost.get("api_requests_net", {}), fmt=".1f"),
            "req",
        ),
        (
            "API requests per task, 3-worker (net of idle)",
            format_summary(thr_cost.get("api_requests_net", {}), fmt=".1f"),
            "req",
        ),
        (
            "Redis commands per task, 1-worker (net of idle)",
            format_summary(lat_cost.get("redis_commands_net", {}), fmt=".1f"),
            "cmd",
        ),
        (
            "Redis commands per task, 3-worker (net of idle)",
            format_summary(thr_cost.get("redis_commands_net", {}), fmt=".1f"),
            "cmd",
        ),
        (
            "Operator CPU per task, 1-worker (net of idle)",
            format_summary(lat_cost.get("operator_cpu_s_net", {}), fmt=".3f"),
            "s",
        ),
        (
            "Operator CPU per task, 3-worker (net of idle)",
            format_summary(thr_cost.get("operator_cpu_s_net", {}), fmt=".3f"),
            "s",
        ),
        (
            "Operator peak RSS (VmHWM, after throughput)",
            format_summary(thr.get("peak_rss_kib", {}), scale=mib, fmt=".0f"),
            "MiB",
        ),
        (
            f"Operator RSS restarted over {mem.get('baseline_tasks_present', '?')} tasks "
            f"and {mem.get('baseline_jobs_present', '?')} Jobs "
            f"({mem.get('baseline_jobs_watched', '?')} still watched)",
            format_summary(mem.get("baseline_rss_kib", {}), scale=mib, fmt=".0f"),
            "MiB",
        ),
        (
            f"Operator RSS with {mem.get('finished_tasks', '?')} more finished DevOpsTasks "
            "(first start over them, all still watched)",
            format_summary(mem.get("with_finished_rss_kib", {}), scale=mib, fmt=".0f"),
            "MiB",
        ),
        (
            f"Operator RSS with them out of its watch (collector, "
            f"{mem.get('unwatch_s', 0):.0f} s), restarted",
            format_summary(mem.get("with_finished_unwatched_rss_kib", {}), scale=mib, fmt=".0f"),
            "MiB",
        ),
    ]
    idle = results.get("idle", {})
    lines = [
        "# Orchestration benchmark",
        "",
        f"Run {results.get('started_at', '?')}, quick={results.get('quick')}, "
        f"{results.get('machine', {}).get('cpus')} CPUs, load average at start "
        f"{results.get('machine', {}).get('load_avg_at_start')}. Values: median "
        "[min-max, n = repeats]. `python -m bench` (`make bench`) regenerates this file.",
        "",
        "| Measure | Value | Unit |",
        "|---|---|---|",
        *(f"| {name} | {value} | {unit} |" for name, value, unit in rows),
        "",
        f"Idle background (subtracted for the net figures): "
        f"{idle.get('api_requests_per_s', 0):.1f} API req/s, "
        f"{idle.get('redis_commands_per_s', 0):.1f} Redis cmd/s, "
        f"{idle.get('operator_cpu_per_s', 0):.3f} operator CPU s/s. API requests count every "
        "client of kube-apiserver (operator, workers, node agent, controllers).",
        f"Throughput outcomes: {first.get('completed', '?')} completed, "
        f"{first.get('failed', '?')} failed; Jobs created for the finished tasks: "
        f"{mem.get('jobs_created_for_finished_tasks', '?')}.",
        *_request_sections(
            lat.get("api_breakdown") or {},
            first.get("api_breakdown") or {},
            results.get("floor", {}).get("api_breakdown") or {},
        ),
        "",
    ]
    return "\n".join(lines)
