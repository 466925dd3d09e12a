"""scale-results.json -> the Markdown tables (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.report import format_summary, render_request_split
from bench.stats import summarize

MIB = 1 / 1024
# (key in a burst's result, path inside it) summarised over the repeats of a burst.
REPEATED = {
    "tasks_per_s": ("tasks_per_s",),
    "operator_cpu_s_per_task": ("operator_cpu_s_per_task",),
    "operator_api_requests_per_task": ("operator_api_requests_per_task",),
    "all_api_requests_per_task": ("all_api_requests_per_task",),
    "overhead_p50_s": ("overhead_per_stage_s", "p50"),
    "overhead_p95_s": ("overhead_per_stage_s", "p95"),
    "queue_wait_p50_s": ("queue_wait_s", "p50"),
    "latency_p95_s": ("latency_s", "p95"),
    "machine_cpu_busy": ("machine_cpu_busy",),
    "operator_cpu_share": ("operator_cpu_share",),
    "peak_rss_kib": ("operator_memory_kib", "VmHWM"),
}
GOALS = {
    "tasks_per_s": 20.0,
    "overhead_p95_s": 1.0,
    "operator_cpu_s_per_task": 0.05,
    "rss_mib": 150.0,
    "operator_api_requests_per_task": 20.0,
}


def _dig(data: Any, path: Sequence[str]) -> Any:
    for key in path:
        data = (data or {}).get(key)
    return data


def summarize_repeats(repeats: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Median and spread over the repeats of one burst, per figure."""
    summary: dict[str, Any] = {}
    for name, path in REPEATED.items():
        values = [float(v) for v in (_dig(r, path) for r in repeats) if v is not None]
        summary[name] = summarize(values)
    return summary


def _burst_rows(bursts: Sequence[dict[str, Any]]) -> list[str]:
    rows = []
    for b in bursts:
        first = (b.get("repeats") or [{}])[0]
        rows.append(
            "| "
            + " | ".join(
                [
                    f"{b['tasks']} x cap {b['cap']}",
                    format_summary(b["tasks_per_s"]),
                    format_summary(b["operator_cpu_s_per_task"], fmt=".3f"),
                    format_summary(b["operator_api_requests_per_task"], fmt=".1f"),
                    format_summary(b["all_api_requests_per_task"], fmt=".1f"),
                    format_summary(b["overhead_p50_s"]),
                    format_summary(b["overhead_p95_s"]),
                    format_summary(b["queue_wait_p50_s"], fmt=".1f"),
                    format_summary(b["machine_cpu_busy"], scale=100, fmt=".0f"),
                    format_summary(b["peak_rss_kib"], scale=MIB, fmt=".0f"),
                    str(first.get("statuses", {})),
                ]
            )
            + " |"
        )
    return rows


def _verdict(value: float | None, goal: float, higher_is_better: bool) -> str:
    if value is None:
        return "not measured"
    met = value >= goal if higher_is_better else value <= goal
    return "met" if met else "not met"


def _goal_rows(results: dict[str, Any]) -> list[str]:
    bursts = results.get("bursts") or []
    biggest = max(bursts, key=lambda b: (b["cap"], b["tasks"]), default=None)
    pop = results.get("population") or {}

    def p50(b: dict[str, Any] | None, key: str) -> float | None:
        if b is None or not b.get(key, {}).get("n"):
            return None
        return float(b[key]["p50"])

    rate = p50(biggest, "tasks_per_s")
    busy = p50(biggest, "machine_cpu_busy")
    overhead = max((p50(b, "overhead_p95_s") or 0.0 for b in bursts), default=None)
    cpu = p50(biggest, "operator_cpu_s_per_task")
    api = p50(biggest, "operator_api_requests_per_task")
    rss_big = p50(biggest, "peak_rss_kib")
    pop_rss = pop.get("rss_kib") or []
    pop_mib = max(pop_rss) * MIB if pop_rss else None
    first_rss = pop.get("first_start_rss_kib") or []
    first_mib = max(first_rss) * MIB if first_rss else None
    beyond = _overhead_beyond_floor(results)
    rows = [
        (
            "three-worker tasks/s, one replica (largest cap)",
            f"{rate:.2f} (machine CPU {busy * 100:.0f} % busy)" if rate and busy else "n/a",
            "≥ 20, with CPU to spare",
            _verdict(rate, GOALS["tasks_per_s"], True),
        ),
        (
            "orchestration overhead p95 per stage (worst burst)",
            f"{overhead:.2f} s" if overhead is not None else "n/a",
            "≤ 1 s",
            _verdict(overhead, GOALS["overhead_p95_s"], False),
        ),
        (
            "… beyond a bare Job's own time on the cluster (floor minus the simulated run), least "
            "loaded burst",
            beyond[1] if beyond else "n/a",
            "≤ 1 s",
            _verdict(beyond[0] if beyond else None, GOALS["overhead_p95_s"], False),
        ),
        (
            "operator CPU per three-worker task",
            f"{cpu:.3f} s" if cpu is not None else "n/a",
            "≤ 0.05 s",
            _verdict(cpu, GOALS["operator_cpu_s_per_task"], False),
        ),
        (
            "operator API requests per three-worker task",
            f"{api:.1f}" if api is not None else "n/a",
            "one create per worker, writes on change",
            "see the breakdown",
        ),
        (
            "operator peak RSS during the largest burst",
            f"{rss_big * MIB:.0f} MiB" if rss_big else "n/a",
            "≤ 150 MiB",
            _verdict(rss_big * MIB if rss_big else None, GOALS["rss_mib"], False),
        ),
        (
            f"operator RSS with {pop.get('finished_tasks', '?')} finished tasks (out of its "
            "watch; first start over them)",
            f"{pop_mib:.0f} MiB; {first_mib:.0f} MiB"
            if pop_mib is not None and first_mib is not None
            else "n/a",
            "≤ 150 MiB, flat",
            _verdict(pop_mib, GOALS["rss_mib"], False),
        ),
    ]
    return [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]


def _overhead_beyond_floor(results: dict[str, Any]) -> tuple[float, str] | None:
    """The overhead p95 per stage of the least loaded burst (smallest cap) less what a
    bare Job takes on the cluster beyond its run (KWOK's pod start and stop): the
    orchestration's own share. None without a floor."""
    floor = (results.get("floor") or {}).get("seconds") or {}
    bursts = [b for b in results.get("bursts") or [] if b.get("overhead_p95_s", {}).get("n")]
    if not floor.get("n") or not bursts:
        return None
    least = min(bursts, key=lambda b: (b["cap"], b["tasks"]))
    cluster = float(floor["p50"]) - float((results.get("settings") or {}).get("worker_seconds", 0))
    p95 = float(least["overhead_p95_s"]["p50"])
    busy = float(least.get("machine_cpu_busy", {}).get("p50") or 0.0)
    text = (
        f"{p95 - cluster:.2f} s ({least['tasks']} x cap {least['cap']}: {p95:.2f} s less "
        f"{cluster:.2f} s; machine CPU {busy * 100:.0f} % busy)"
    )
    return p95 - cluster, text


def _breakdown(burst: dict[str, Any]) -> list[str]:
    first = (burst.get("repeats") or [{}])[0]
    return [
        f"Per task of the {burst['tasks']} x cap {burst['cap']} burst (first repeat):",
        "",
        *render_request_split(first),
    ]


def _profile(profile: dict[str, Any]) -> list[str]:
    if not profile:
        return ["No profile was taken."]

    def table(title: str, rows: list[dict[str, Any]]) -> list[str]:
        return [
            f"| {title} | share of samples |",
            "|---|---|",
            *(f"| {r['name']} | {r['share'] * 100:.1f} % |" for r in rows),
            "",
        ]

    return [
        f"py-spy `--gil`, {profile.get('samples', 0)} samples (50 per second) of the "
        "operator's thread holding the GIL during the whole first burst: where its Python "
        "CPU time goes (a thread waiting for an answer holds no GIL and is not counted).",
        "",
        *table("thread, by what it runs", profile.get("by_role") or []),
        *table("area of the running frame (self time)", profile.get("by_area") or []),
        *table("our functions on the stack (inclusive)", profile.get("ours_inclusive") or []),
        *table("JSON decoding and encoding, by who asked", profile.get("json_callers") or []),
        *table("hottest frames (self)", profile.get("self_top") or []),
    ]


def render_markdown(results: dict[str, Any]) -> str:
    settings = results.get("settings") or {}
    machine = results.get("machine") or {}
    bursts = results.get("bursts") or []
    floor = (results.get("floor") or {}).get("seconds") or {}
    pop = results.get("population") or {}
    worker_s = settings.get("worker_seconds", 0.0)
    lines = [
        "# Scale benchmark (simulated nodes)",
        "",
        f"Run {results.get('started_at', '?')}, {machine.get('cpus')} CPUs, load average at "
        f"start {machine.get('load_avg_at_start')}, wall {results.get('wall_s', 0):.0f} s. "
        "KWOK simulates the node and the pods; every worker takes "
        f"{worker_s} s and leaves the log a real one would (its result frame last, served "
        "by KWOK for the operator to read). Values: median "
        "[min-max, n = repeats]. `make bench-scale` (`python -m bench.scale`) regenerates "
        "this file.",
        "",
        "## Goals",
        "",
        "| goal | measured | target | verdict |",
        "|---|---|---|---|",
        *_goal_rows(results),
        "",
        "## Bursts of three-worker tasks pushed at once over Redis",
        "",
        "Overhead per stage: (task created → final result, minus the workers' own time) / stages. "
        "Queue wait: push → task created (the in-flight cap holds the rest in Redis).",
        "",
        "| tasks x cap | tasks/s | operator CPU-s/task | operator API req/task | all API "
        "req/task | overhead/stage p50 (s) | overhead/stage p95 (s) | queue wait p50 (s) | "
        "machine CPU busy (%) | operator peak RSS (MiB) | outcomes |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *_burst_rows(bursts),
        "",
        f"Cluster floor: a bare Job on the KWOK node, create → Complete, "
        f"{format_summary(floor)} s (of which {worker_s} s is the simulated run).",
        "",
    ]
    if pop:
        rss = summarize([float(v) for v in pop.get("rss_kib") or []])
        first = summarize([float(v) for v in pop.get("first_start_rss_kib") or []])
        burst = pop.get("burst") or {}
        lines += [
            f"## {pop.get('finished_tasks')} finished tasks present",
            "",
            f"Created in {pop.get('create_s', 0):.0f} s, finished an hour before. Operator "
            f"started over them: healthy in {pop.get('operator_healthy_s', 0):.1f} s, "
            f"{pop.get('operator_cpu_s_to_quiet', 0):.1f} CPU-s until quiet; RSS then, all "
            f"still watched, {format_summary(first, scale=MIB, fmt='.0f')} MiB (peak "
            f"{pop.get('first_start_peak_rss_kib', 0) * MIB:.0f} MiB). Its collector took "
            f"them out of the watch (label settled=true) in {pop.get('unwatch_s', 0):.0f} s; "
            f"restarted over them: healthy in {pop.get('restarted_healthy_s', 0):.1f} s, "
            f"{pop.get('restarted_cpu_s_to_quiet', 0):.1f} CPU-s until quiet; RSS "
            f"{format_summary(rss, scale=MIB, fmt='.0f')} MiB (peak "
            f"{pop.get('peak_rss_kib', 0) * MIB:.0f} MiB).",
        ]
        if burst:
            after = summarize([float(v) for v in pop.get("rss_after_burst_kib") or []])
            lines += [
                f"A burst of {burst.get('tasks')} tasks over them: "
                f"{burst.get('tasks_per_s', 0):.2f} tasks/s, "
                f"{burst.get('operator_cpu_s_per_task', 0):.3f} operator CPU-s/task, "
                f"{burst.get('operator_api_requests_per_task', 0):.1f} operator API req/task, "
                f"overhead/stage p95 "
                f"{(burst.get('overhead_per_stage_s') or {}).get('p95', float('nan')):.2f} s; "
                f"RSS after {format_summary(after, scale=MIB, fmt='.0f')} MiB.",
            ]
        lines.append("")
    if bursts:
        lines += ["## Where the requests go", "", *_breakdown(bursts[0]), ""]
    lines += ["## Where the operator's time goes", "", *_profile(results.get("profile") or {})]
    return "\n".join(lines) + "\n"
