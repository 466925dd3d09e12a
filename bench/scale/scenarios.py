"""The scale measurements on simulated nodes. Each returns plain JSON data.

A run gets a namespace of its own and a freshly started operator watching only it, so
the objects of earlier runs (kept: deleting thousands of them would load the control
plane while the next run measures) are not in its view."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from kubernetes import client as k8s

from bench import probes, profile
from bench.api_costs import build_costs, snapshot
from bench.fake_results import count_simulated
from bench.scale.overhead import TaskTiming, build_overheads
from bench.scenarios import (
    THREE_WORKERS,
    channel,
    finished_task,
    log,
    settle_rss,
    submit,
    task_json,
    wait_final,
    wait_unwatched,
)
from bench.stack import WORKER_MANIFESTS, Stack
from bench.watcher import GROUP, PLURAL, VERSION, Watcher
from devops_orchestrator.core.task_mapping import build_task_name


def prepare_namespace(stack: Stack, namespace: str) -> None:
    stack.kubectl("create", "namespace", namespace)
    stack.kubectl("apply", "-k", str(WORKER_MANIFESTS), "-n", namespace)


def restart_operator(stack: Stack, namespace: str, cap: int, kubeconfig: Path) -> float:
    """The operator on `namespace` only; returns its start-up time to healthy."""
    stack.stop_operator()
    stack.namespace = namespace
    started = time.monotonic()
    stack.start_operator(cap, kubeconfig)
    return time.monotonic() - started


def stage_counts(stack: Stack, namespace: str) -> dict[str, int]:
    """Task name -> number of stages in its plan (one LIST at the end of a run)."""
    custom = k8s.CustomObjectsApi(stack.kube())
    items: Any = custom.list_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL)
    counts: dict[str, int] = {}
    for item in items["items"]:
        stages = ((item.get("status") or {}).get("plan") or {}).get("stages") or []
        counts[item["metadata"]["name"]] = len(stages)
    return counts


def burst(
    stack: Stack,
    namespace: str,
    tasks: int,
    worker_seconds: float,
    operator_flow: str,
    profile_out: Path | None = None,
    profile_seconds: float = 0.0,
) -> dict[str, Any]:
    """`tasks` three-worker tasks pushed over Redis at once, against the running operator."""
    watcher = Watcher(stack.kube(), namespace)
    watcher.start()
    r = stack.redis()
    made = [task_json(THREE_WORKERS, {"project_type": "nodejs"}) for _ in range(tasks)]
    load = os.getloadavg()
    spy = None
    try:
        with channel(r, "results:*") as pubsub:
            before = snapshot(stack)
            start = time.monotonic()
            with r.pipeline(transaction=True) as pipe:
                for task_id, raw in made:
                    submit(pipe, task_id, raw)
                pipe.execute()
            if profile_out is not None and profile_seconds > 0:
                spy = profile.record(stack.operator_pid, profile_seconds, profile_out)
            done = wait_final(pubsub, {t for t, _ in made}, max(600.0, tasks * 3.0))
            end = max(at for at, _ in done.values())
            memory = probes.memory_kib(stack.operator_pid)
            time.sleep(2.0)  # the last status writes and Events of the run
            after = snapshot(stack)
    finally:
        watcher.stop()
        if spy is not None:
            profile.stop(spy)  # the whole burst, and no more
    stages = stage_counts(stack, namespace)
    timings = [
        TaskTiming(
            pushed=start,
            seen=watcher.tasks_seen.get(build_task_name(task_id)),
            final=done[task_id][0],
            stages=stages.get(build_task_name(task_id), 0),
        )
        for task_id, _ in made
    ]
    outputs = [str(fields.get("output") or "") for _, fields in done.values()]
    statuses = Counter(str(fields.get("status")) for _, fields in done.values())
    return {
        "tasks": tasks,
        "worker_seconds": worker_seconds,
        "load_avg_at_start": load,
        "elapsed_s": end - start,
        "tasks_per_s": tasks / (end - start),
        "statuses": dict(statuses),
        "workers_with_harness_result": count_simulated(outputs),
        "operator_memory_kib": memory,
        **build_overheads(timings, worker_seconds),
        **build_costs(before, after, tasks, operator_flow),
    }


def create_finished(stack: Stack, namespace: str, count: int) -> float:
    """`count` finished DevOpsTasks (spec and final status), as after a long life; the
    seconds it took."""
    custom = k8s.CustomObjectsApi(stack.kube())

    def create(i: int) -> None:
        body, status = finished_task(f"done-{i:05d}")
        custom.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, body)
        custom.patch_namespaced_custom_object_status(
            GROUP, VERSION, namespace, PLURAL, body["metadata"]["name"], status
        )

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        for i, _ in enumerate(pool.map(create, range(count)), 1):
            if i % 1000 == 0:
                log(f"  {i}/{count} finished tasks created")
    return time.monotonic() - started


def population(
    stack: Stack,
    namespace: str,
    count: int,
    cap: int,
    kubeconfig: Path,
    rss_samples: int = 5,
) -> dict[str, Any]:
    """The operator started over `count` finished tasks: start-up, settled RSS."""
    stack.stop_operator()
    prepare_namespace(stack, namespace)
    created_in = create_finished(stack, namespace, count)
    log(f"{count} finished tasks in {created_in:.0f} s; starting the operator over them")
    before_start = os.getloadavg()
    healthy_in = restart_operator(stack, namespace, cap, kubeconfig)
    cpu_at_healthy = probes.cpu_seconds(stack.operator_pid)
    first = settle_rss(stack, rss_samples, timeout=900.0)
    first_cpu = probes.cpu_seconds(stack.operator_pid)
    first_peak = probes.memory_kib(stack.operator_pid)["VmHWM"]
    # As after a long life: the collector took them out of the watch; then a restart.
    unwatch_s = wait_unwatched(stack, namespace)
    log(f"out of the operator's watch in {unwatch_s:.0f} s; restarting it over them")
    restarted_in = restart_operator(stack, namespace, cap, kubeconfig)
    rss = settle_rss(stack, rss_samples, timeout=900.0)
    return {
        "finished_tasks": count,
        "create_s": created_in,
        "load_avg_at_start": before_start,
        "operator_healthy_s": healthy_in,
        "operator_cpu_s_to_healthy": cpu_at_healthy,
        "operator_cpu_s_to_quiet": first_cpu,
        "first_start_rss_kib": first,
        "first_start_peak_rss_kib": first_peak,
        "unwatch_s": unwatch_s,
        "restarted_healthy_s": restarted_in,
        "restarted_cpu_s_to_quiet": probes.cpu_seconds(stack.operator_pid),
        "rss_kib": rss,
        "peak_rss_kib": probes.memory_kib(stack.operator_pid)["VmHWM"],
    }


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n")
