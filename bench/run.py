"""The benchmark's command line: start the stack, run every measurement, write
`bench/results.json` and `bench/results.md`."""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import identity, probes, scenarios, startup
from bench.report import render_markdown
from bench.stack import Stack
from bench.watcher import Watcher

OUT = Path(__file__).resolve().parent


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    p.add_argument("--floor-runs", type=int, help="bare Jobs (default 30; quick 5)")
    p.add_argument("--latency-runs", type=int, help="one-worker tasks (default 30; quick 5)")
    p.add_argument("--cost-batch", type=int, help="runs per cost sample (default 5; quick 5)")
    p.add_argument("--throughput-tasks", type=int, help="three-worker tasks (default 100)")
    p.add_argument("--throughput-repeats", type=int, default=1)
    p.add_argument("--worker-sleep", type=float, default=2.0, help="seconds per worker")
    p.add_argument("--finished-tasks", type=int, help="for the RSS figure (default 1000)")
    p.add_argument(
        "--max-in-flight",
        type=int,
        default=10,
        help="DEVOPS_MAX_IN_FLIGHT of the operator (its default: 10)",
    )
    p.add_argument("--idle-seconds", type=float, help="background sample (default 15)")
    p.add_argument("--startup-runs", type=int, help="worker start-up samples (default 10)")
    p.add_argument("--out", type=Path, default=OUT, help="folder for results.json/.md")
    p.add_argument("--keep", action="store_true", help="keep the state folder")
    args = p.parse_args(argv)
    quick = args.quick
    defaults = {
        "floor_runs": (30, 5),
        "latency_runs": (30, 5),
        "cost_batch": (5, 5),
        "throughput_tasks": (100, 10),
        "finished_tasks": (1000, 100),
        "idle_seconds": (15.0, 5.0),
        "startup_runs": (10, 3),
    }
    for name, (full, small) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, small if quick else full)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    results: dict[str, Any] = probes.run_header(vars(args))
    results["quick"] = args.quick
    startup.precompile()  # every worker of the run loads what the image would hold
    stack = Stack()
    started = time.monotonic()
    try:
        scenarios.log(f"starting the cluster in {stack.dir}")
        results["cluster_start_s"] = stack.start_cluster()
        stack.start_redis()
        identity.use_operator_identity(stack)  # its requests counted apart
        stack.start_operator(args.max_in_flight)
        watcher = Watcher(stack.kube(), stack.namespace)
        watcher.start()
        r = stack.redis()
        scenarios.log("worker start-up cost, standalone and storing its result")
        results["worker_startup"] = {
            "standalone": startup.measure(args.startup_runs),
            "in_cluster": startup.measure(args.startup_runs, stack.namespace, stack.kubeconfig),
        }
        scenarios.log("sampling the idle background")
        idle = scenarios.idle_rates(stack, r, args.idle_seconds)
        results["idle"] = idle
        results["floor"] = scenarios.floor(stack, watcher, args.floor_runs, idle)
        results["latency"] = scenarios.latency(
            stack, watcher, args.latency_runs, args.cost_batch, idle
        )
        floor_p50 = results["floor"]["seconds"]["p50"]
        lat = results["latency"]["seconds"]
        results["latency"]["ratio_to_floor"] = {
            "p50": lat["p50"] / floor_p50,
            "p95": lat["p95"] / results["floor"]["seconds"]["p95"],
        }
        runs = []
        for i in range(args.throughput_repeats):
            scenarios.log(
                f"throughput run {i + 1}/{args.throughput_repeats}: {args.throughput_tasks} tasks"
            )
            runs.append(scenarios.throughput(stack, args.throughput_tasks, args.worker_sleep, idle))
            scenarios.log(f"  {runs[-1]['tasks_per_s']:.3f} tasks/s")
        results["throughput"] = {"runs": runs, **summarize_runs(runs)}
        scenarios.log(f"memory with {args.finished_tasks} finished tasks")
        results["memory"] = scenarios.memory_with_finished(
            stack, args.finished_tasks, 5, args.max_in_flight
        )
        watcher.stop()
    finally:
        results["wall_s"] = time.monotonic() - started
        results["machine"]["load_avg_at_end"] = os.getloadavg()
        stack.close(keep=args.keep)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "results.md").write_text(render_markdown(results))
    print(render_markdown(results))
    return 0


def summarize_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    from bench.stats import summarize

    keys = ("tasks_per_s", "ratio_to_sequential", "elapsed_s")
    summary: dict[str, Any] = {k: summarize([r[k] for r in runs]) for k in keys}
    summary["cost"] = {k: summarize([r["cost"][k] for r in runs]) for k in runs[0]["cost"]}
    summary["peak_rss_kib"] = summarize([r["operator_memory_kib"]["VmHWM"] for r in runs])
    return summary
