"""`python -m bench.scale` (`make bench-scale`): the operator at scale on simulated nodes.

A fresh local cluster whose real node is cordoned, one KWOK node taking every worker
pod, the harness writing each worker's result, the operator under its own identity.
Writes `bench/scale-results.json` and `bench/scale-results.md`."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kubernetes import client as k8s

from bench import identity, kwok, probes, profile
from bench.fake_results import build_worker_log
from bench.scale import scenarios
from bench.scale.report import render_markdown, summarize_repeats
from bench.scenarios import floor, log, settle_rss
from bench.stack import Stack, free_port, wait_until
from bench.watcher import Watcher
from devcluster.state import NODE_NAME, ClusterPaths

OUT = Path(__file__).resolve().parents[1]


def parse_runs(text: str) -> list[tuple[int, int]]:
    """`1000x1000,100x10` -> [(tasks, in-flight cap), ...] (pure)."""
    runs = []
    for part in text.split(","):
        tasks, sep, cap = part.strip().partition("x")
        if not sep or not tasks.isdigit() or not cap.isdigit() or int(tasks) < 1 or int(cap) < 1:
            raise argparse.ArgumentTypeError(f"run {part!r}: expected TASKSxCAP, e.g. 1000x1000")
        runs.append((int(tasks), int(cap)))
    return runs


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    p.add_argument(
        "--runs",
        type=parse_runs,
        default=parse_runs("1000x1000,300x100,100x10"),
        help="bursts of three-worker tasks pushed at once, as TASKSxCAP (the operator's "
        "DEVOPS_MAX_IN_FLIGHT); default 1000x1000,300x100,100x10",
    )
    p.add_argument("--repeats", type=int, default=1, help="repeats of each burst")
    p.add_argument("--worker-seconds", type=float, default=1.0, help="simulated worker time")
    p.add_argument("--population", type=int, default=10000, help="finished tasks present")
    p.add_argument("--population-burst", type=int, default=300, help="tasks pushed over them")
    p.add_argument("--floor-runs", type=int, default=10, help="bare Jobs on the KWOK node")
    p.add_argument(
        "--profile-seconds", type=float, default=900.0, help="py-spy, first burst (at most)"
    )
    p.add_argument("--out", type=Path, default=OUT, help="folder for scale-results.json/.md")
    p.add_argument("--keep", action="store_true", help="keep the state folder")
    return p.parse_args(argv)


def start_simulated_cluster(stack: Stack, worker_seconds: float) -> tuple[kwok.Kwok, Path, float]:
    """Cluster, KWOK node (the real node cordoned), Redis and the operator's identity."""
    started = stack.start_cluster()
    core = k8s.CoreV1Api(stack.kube())
    core.patch_node(NODE_NAME, {"spec": {"unschedulable": True}})
    core.create_node(kwok.build_node())  # type: ignore[arg-type]
    sim = kwok.Kwok(stack.dir)
    pki = ClusterPaths(stack.state_dir.resolve())
    # The node agent's kubelet certificate: the cluster CA signed it for 127.0.0.1.
    server = kwok.Server(free_port(), pki.cert("kubelet"), pki.key("kubelet"))
    sim.start(stack.kubeconfig, worker_seconds, server, build_worker_log(worker_seconds))

    def node_ready() -> bool:
        node: Any = core.read_node(kwok.NODE_NAME)
        conditions = (node.status.conditions if node.status else None) or []
        return any(c.type == "Ready" and c.status == "True" for c in conditions)

    wait_until("the KWOK node Ready", node_ready, 120)
    stack.start_redis()
    kubeconfig = identity.use_operator_identity(stack)
    return sim, kubeconfig, started


def run_bursts(stack: Stack, args: argparse.Namespace, kubeconfig: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for index, (tasks, cap) in enumerate(args.runs):
        repeats = []
        for repeat in range(args.repeats):
            namespace = f"scale-{index}-{repeat}"
            scenarios.prepare_namespace(stack, namespace)
            scenarios.restart_operator(stack, namespace, cap, kubeconfig)
            # Steady state: the operator's lazy imports and first watches are not the burst's.
            scenarios.burst(stack, namespace, 3, args.worker_seconds, identity.FLOW_SCHEMA)
            first = index == 0 and repeat == 0
            log(f"burst {index + 1}/{len(args.runs)} #{repeat + 1}: {tasks} tasks, cap {cap}")
            result = scenarios.burst(
                stack,
                namespace,
                tasks,
                args.worker_seconds,
                identity.FLOW_SCHEMA,
                profile_out=stack.dir / "profile.txt" if first else None,
                profile_seconds=args.profile_seconds if first else 0.0,
            )
            log(
                f"  {result['tasks_per_s']:.2f} tasks/s, "
                f"{result['operator_cpu_s_per_task']:.3f} operator CPU-s/task, "
                f"{result['operator_api_requests_per_task']:.1f} operator API req/task"
            )
            repeats.append(result)
        out.append({"tasks": tasks, "cap": cap, "repeats": repeats, **summarize_repeats(repeats)})
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    # A stopped run still stops what it started (the `finally` below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results: dict[str, Any] = probes.run_header(vars(args))
    stack = Stack()
    sim: kwok.Kwok | None = None
    started = time.monotonic()
    try:
        log(f"starting the cluster and KWOK in {stack.dir}")
        sim, kubeconfig, results["cluster_start_s"] = start_simulated_cluster(
            stack, args.worker_seconds
        )
        if args.floor_runs:
            watcher = Watcher(stack.kube(), stack.namespace)
            watcher.start()
            results["floor"] = floor(stack, watcher, args.floor_runs)
            watcher.stop()
        results["bursts"] = run_bursts(stack, args, kubeconfig)
        spy = stack.dir / "profile.txt"
        if spy.exists():
            results["profile"] = profile.summarize_collapsed(spy.read_text()).as_json()
        if args.population:
            namespace = "scale-population"
            cap = max(cap for _, cap in args.runs)
            results["population"] = scenarios.population(
                stack, namespace, args.population, cap, kubeconfig
            )
            if args.population_burst:
                log(f"{args.population_burst} tasks over {args.population} finished ones")
                results["population"]["burst"] = scenarios.burst(
                    stack,
                    namespace,
                    args.population_burst,
                    args.worker_seconds,
                    identity.FLOW_SCHEMA,
                )
                results["population"]["rss_after_burst_kib"] = settle_rss(stack, 5)
    finally:
        results["wall_s"] = time.monotonic() - started
        results["machine"]["load_avg_at_end"] = os.getloadavg()
        if sim is not None:
            sim.stop()
        stack.close(keep=args.keep)
    args.out.mkdir(parents=True, exist_ok=True)
    scenarios.write_json(args.out / "scale-results.json", results)
    (args.out / "scale-results.md").write_text(render_markdown(results))
    print(render_markdown(results))
    return 0
