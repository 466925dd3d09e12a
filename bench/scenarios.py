"""The measurements, each against a running Stack. Every one returns plain JSON data."""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from kubernetes import client as k8s

from bench import probes
from bench.api_costs import (
    Snapshot,
    build_costs,
    idle_per_second,
    net_of_idle,
    snapshot,
    summarize_breakdowns,
)
from bench.identity import FLOW_SCHEMA
from bench.stack import Stack, wait_until
from bench.stats import summarize
from bench.watcher import GROUP, PLURAL, VERSION, Watcher
from devops_orchestrator.constants import LABEL_SETTLED
from devops_orchestrator.core.task_mapping import build_task_name

ONE_WORKER = "Containerize the Node.js app with a Dockerfile"
THREE_WORKERS = "Set up complete deployment pipeline: Dockerfile, GitHub Actions CI and Kubernetes"
FINAL = ("completed", "failed")


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def task_json(description: str, context: dict[str, Any]) -> tuple[str, str]:
    task_id = str(uuid.uuid4())
    message = {
        "task_id": task_id,
        "type": "task_assignment",
        "source": "bench",
        "destination": "devops",
        "timestamp": datetime.now(UTC).isoformat(),
        "payload": {"description": description, "requirements": [], "context": context},
        "metadata": {"priority": "normal", "timeout_seconds": 600},
    }
    return task_id, json.dumps(message)


def submit(pipe: Any, task_id: str, raw: str) -> None:
    """What the network's producer does (PROTOCOL.md)."""
    pipe.hset(f"results:{task_id}", mapping={"task_id": task_id, "status": "pending"})
    pipe.lpush("tasks:pending:devops", raw)
    pipe.publish("notifications:devops", raw)


# --- costs --------------------------------------------------------------------------------


@dataclass
class Counters:
    api: int
    redis: int
    cpu: float
    at: float
    split: Snapshot  # the same read of the API server's metrics, by client and verb


def read_counters(stack: Stack, r: redis.Redis) -> Counters:
    split = snapshot(stack)
    return Counters(
        sum(split.by_verb.values()), probes.redis_commands(r), split.operator_cpu, split.at, split
    )


def idle_rates(stack: Stack, r: redis.Redis, seconds: float) -> dict[str, Any]:
    """Per-second background: control plane, node agent, operator loops, heartbeats."""
    before = read_counters(stack, r)
    time.sleep(seconds)
    after = read_counters(stack, r)
    span = after.at - before.at
    return {
        "api_requests_per_s": (after.api - before.api - 1) / span,
        "redis_commands_per_s": (after.redis - before.redis - 1) / span,
        "operator_cpu_per_s": (after.cpu - before.cpu) / span,
        "api_split_per_s": idle_per_second(before.split, after.split, FLOW_SCHEMA),
    }


def per_task_cost(
    before: Counters, after: Counters, tasks: int, idle: dict[str, Any], own_redis: int
) -> dict[str, float]:
    """Deltas per task, gross and net of the idle background over the same span; our own
    probes (one /metrics GET, one INFO per read) and producer commands are taken out."""
    span = after.at - before.at
    api = after.api - before.api - 1
    red = after.redis - before.redis - 1 - own_redis
    cpu = after.cpu - before.cpu
    return {
        "api_requests_gross": api / tasks,
        "api_requests_net": (api - idle["api_requests_per_s"] * span) / tasks,
        "redis_commands_gross": red / tasks,
        "redis_commands_net": (red - idle["redis_commands_per_s"] * span) / tasks,
        "operator_cpu_s_gross": cpu / tasks,
        "operator_cpu_s_net": (cpu - idle["operator_cpu_per_s"] * span) / tasks,
    }


# --- floor --------------------------------------------------------------------------------


def floor(
    stack: Stack, watcher: Watcher, runs: int, idle: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A bare Job, one pod that exits at once: create -> Complete, one at a time. With
    `idle` (`idle_rates`), also what one bare Job costs in API requests, by client and
    verb, net of the idle background: the cluster's own share of any task's requests."""
    batch = k8s.BatchV1Api(stack.kube())
    durations: list[float] = []
    before = snapshot(stack) if idle else None  # (the operator may not run yet)
    for i in range(runs):
        name = stack.new_name("floor")
        job = {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": name, "labels": {"bench": "floor"}},
            "spec": {
                "backoffLimit": 0,
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [
                            {
                                "name": "c",
                                "image": "busybox",
                                "command": ["/bin/sh", "-c", "exit 0"],
                            }
                        ],
                    }
                },
            },
        }
        start = time.monotonic()
        batch.create_namespaced_job(stack.namespace, job)  # type: ignore[arg-type]
        durations.append(watcher.wait_job(name, 120) - start)
        log(f"floor {i + 1}/{runs}: {durations[-1]:.2f} s")
    api: dict[str, Any] = {}
    if before is not None and idle:
        time.sleep(2.0)  # the last Job's status writes and Events
        costs = build_costs(before, snapshot(stack), runs, FLOW_SCHEMA)
        api = net_of_idle(costs, idle["api_split_per_s"])
    batch.delete_collection_namespaced_job(
        stack.namespace, label_selector="bench=floor", propagation_policy="Background"
    )
    return {"runs": durations, "seconds": summarize(durations), "api_breakdown": api}


# --- latency and pickup -------------------------------------------------------------------


@contextmanager
def channel(r: redis.Redis, pattern: str) -> Iterator[Any]:
    pubsub = r.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
    pubsub.psubscribe(pattern)
    try:
        yield pubsub
    finally:
        pubsub.close()


def wait_final(
    pubsub: Any, task_ids: set[str], timeout: float
) -> dict[str, tuple[float, dict[str, Any]]]:
    """(arrival time, published fields) per task id, from the result channels."""
    done: dict[str, tuple[float, dict[str, Any]]] = {}
    deadline = time.monotonic() + timeout
    while len(done) < len(task_ids):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(task_ids) - len(done)} tasks not final in {timeout}s")
        message = pubsub.get_message(timeout=0.5)
        if message is None or message.get("type") != "pmessage":
            continue
        task_id = str(message["channel"]).removeprefix("results:")
        fields = json.loads(message["data"])
        if task_id in task_ids and fields.get("status") in FINAL:
            done.setdefault(task_id, (time.monotonic(), fields))
    return done


def latency(
    stack: Stack, watcher: Watcher, runs: int, batch_size: int, idle: dict[str, Any]
) -> dict[str, Any]:
    """One-worker tasks (the real generator worker, empty workspace), one at a time:
    LPUSH -> final results:{id}; LPUSH -> DevOpsTask seen; cost per batch of runs."""
    r = stack.redis()
    totals: list[float] = []
    pickups: list[float] = []
    costs: list[dict[str, float]] = []
    statuses: list[str] = []
    breakdowns: list[dict[str, Any]] = []
    with channel(r, "results:*") as pubsub:
        before = read_counters(stack, r)
        for i in range(runs):
            task_id, raw = task_json(ONE_WORKER, {"project_type": "nodejs"})
            start = time.monotonic()
            with r.pipeline(transaction=True) as pipe:
                submit(pipe, task_id, raw)
                pipe.execute()
            arrived, fields = wait_final(pubsub, {task_id}, 300)[task_id]
            totals.append(arrived - start)
            pickups.append(watcher.tasks_seen[build_task_name(task_id)] - start)
            statuses.append(str(fields.get("status")))
            log(
                f"latency {i + 1}/{runs}: {totals[-1]:.2f} s, pickup {pickups[-1]:.3f} s, "
                f"{statuses[-1]}"
            )
            if (i + 1) % batch_size == 0:
                time.sleep(2.0)  # the operator's last status writes of this batch
                after = read_counters(stack, r)
                own = batch_size * 5  # MULTI, HSET, LPUSH, PUBLISH, EXEC per task
                costs.append(per_task_cost(before, after, batch_size, idle, own))
                split = build_costs(before.split, after.split, batch_size, FLOW_SCHEMA)
                breakdowns.append(net_of_idle(split, idle["api_split_per_s"]))
                before = read_counters(stack, r)
    return {
        "runs": totals,
        "seconds": summarize(totals),
        "pickup_runs": pickups,
        "pickup_seconds": summarize(pickups),
        "statuses": statuses,
        "cost_batches": costs,
        "cost": {k: summarize([c[k] for c in costs]) for k in (costs[0] if costs else {})},
        "api_breakdown": summarize_breakdowns(breakdowns),
    }


# --- throughput ---------------------------------------------------------------------------


def throughput(stack: Stack, tasks: int, sleep: float, idle: dict[str, Any]) -> dict[str, Any]:
    """`tasks` three-worker tasks pushed at once, each worker sleeping `sleep` seconds."""
    r = stack.redis()
    made = [
        task_json(THREE_WORKERS, {"project_type": "nodejs", "bench": {"sleep": sleep}})
        for _ in range(tasks)
    ]
    with channel(r, "results:*") as pubsub:
        before = read_counters(stack, r)
        start = time.monotonic()
        with r.pipeline(transaction=True) as pipe:
            for task_id, raw in made:
                submit(pipe, task_id, raw)
            pipe.execute()
        done = wait_final(pubsub, {t for t, _ in made}, 60 * 60)
        elapsed = max(at for at, _ in done.values()) - start
        peak = probes.memory_kib(stack.operator_pid)
        time.sleep(2.0)
        after = read_counters(stack, r)
    workers = [
        len(json.loads(f.get("output") or "{}").get("workers_used") or []) for _, f in done.values()
    ]
    statuses = [str(f.get("status")) for _, f in done.values()]
    rate = tasks / elapsed
    workers_per_task = sum(workers) / len(workers)
    sequential = 1.0 / (workers_per_task * sleep)
    return {
        "tasks": tasks,
        "worker_sleep_s": sleep,
        "elapsed_s": elapsed,
        "tasks_per_s": rate,
        "workers_per_task": workers_per_task,
        "sequential_tasks_per_s": sequential,
        "ratio_to_sequential": rate / sequential,
        "completed": statuses.count("completed"),
        "failed": statuses.count("failed"),
        "operator_memory_kib": peak,
        "cost": per_task_cost(before, after, tasks, idle, 1 + tasks * 3 + 2),
        "api_breakdown": net_of_idle(
            build_costs(before.split, after.split, tasks, FLOW_SCHEMA), idle["api_split_per_s"]
        ),
    }


# --- memory with many finished tasks ------------------------------------------------------


def finished_task(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A task as a long life leaves it: finished an hour ago, its result out."""
    now = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "DevOpsTask",
        "metadata": {
            "name": name,
            "labels": {"bench": "finished"},
            # handled in an earlier life of the operator: its result already went out
            "annotations": {"devops.agentnet.dev/redis-published": "true"},
        },
        "spec": {
            "description": ONE_WORKER,
            "workers": ["docker-worker"],
            "context": {"project_type": "nodejs"},
        },
    }
    status = {
        "status": {
            "phase": "Succeeded",
            "startedAt": now,
            "completedAt": now,
            "progress": "1/1",
            "observedGeneration": 1,
            "workers": [
                {
                    "name": "docker-worker",
                    "phase": "Succeeded",
                    "attempt": 1,
                    "attempts": 1,
                    "firstAttempt": 1,
                    "jobName": f"{name}-docker-1",
                    "startedAt": now,
                    "completedAt": now,
                }
            ],
            "result": {
                "status": "completed",
                "workers_used": ["docker-worker"],
                "files_created": ["Dockerfile"],
                "files_modified": [],
                "summary": "1/1 workers succeeded",
                "issues": [],
                "deployment_info": {},
                "details": {"docker-worker": {"summary": "Dockerfile"}},
            },
        }
    }
    return body, status


def wait_unwatched(stack: Stack, namespace: str, timeout: float = 900.0) -> float:
    """Until the operator's collector has taken every finished bench task out of its
    watch (label settled=true, core.unwatch); the seconds it took."""
    custom = k8s.CustomObjectsApi(stack.kube())
    selector = f"bench=finished,{LABEL_SETTLED}!=true"

    def done() -> bool:
        page: Any = custom.list_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, label_selector=selector, limit=1
        )
        return not page["items"]

    started = time.monotonic()
    wait_until("the finished tasks out of the operator's watch", done, timeout, interval=2.0)
    return time.monotonic() - started


def settle_rss(
    stack: Stack, samples: int, quiet_s: float = 3.0, timeout: float = 300.0
) -> list[int]:
    """Wait until the operator's CPU is quiet for `quiet_s`, then sample VmRSS."""
    deadline = time.monotonic() + timeout
    last = probes.cpu_seconds(stack.operator_pid)
    while time.monotonic() < deadline:
        time.sleep(quiet_s)
        now = probes.cpu_seconds(stack.operator_pid)
        if now - last < 0.05 * quiet_s:
            break
        last = now
    rss = []
    for _ in range(samples):
        rss.append(probes.memory_kib(stack.operator_pid)["VmRSS"])
        time.sleep(1.0)
    return rss


def memory_with_finished(
    stack: Stack, count: int, samples: int, max_in_flight: int
) -> dict[str, Any]:
    """RSS before and after `count` finished DevOpsTasks exist (created with a final
    status while the operator is stopped, then the operator restarted, as after a crash),
    and once its collector took them out of its watch and it restarted again."""
    custom = k8s.CustomObjectsApi(stack.kube())
    batch = k8s.BatchV1Api(stack.kube())

    def present() -> int:
        items: Any = custom.list_namespaced_custom_object(GROUP, VERSION, stack.namespace, PLURAL)
        return len(items["items"])

    def jobs() -> tuple[int, int]:
        """Jobs present, and those of them still in the operator's Job watch."""
        items = batch.list_namespaced_job(stack.namespace).items
        out = sum(
            ((j.metadata and j.metadata.labels) or {}).get(LABEL_SETTLED) == "true" for j in items
        )
        return len(items), len(items) - out

    stack.stop_operator()
    jobs_before, jobs_watched = jobs()
    stack.start_operator(max_in_flight)
    base_present = present()
    baseline = settle_rss(stack, samples)
    stack.stop_operator()

    def create(i: int) -> None:
        body, status = finished_task(f"done-{i:05d}")
        custom.create_namespaced_custom_object(GROUP, VERSION, stack.namespace, PLURAL, body)
        custom.patch_namespaced_custom_object_status(
            GROUP, VERSION, stack.namespace, PLURAL, body["metadata"]["name"], status
        )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, range(count)))
    log(f"{count} finished DevOpsTasks created")
    stack.start_operator(max_in_flight)
    loaded = settle_rss(stack, samples)
    jobs_after = jobs()[0]
    wait_until("the tasks listed", lambda: present() >= base_present + count, 60)
    # Then as after a long life: the collector took them out of the watch; restarted.
    unwatch_s = wait_unwatched(stack, stack.namespace)
    stack.stop_operator()
    stack.start_operator(max_in_flight)
    unwatched = settle_rss(stack, samples)
    return {
        "finished_tasks": count,
        "baseline_tasks_present": base_present,
        "baseline_jobs_present": jobs_before,
        "baseline_jobs_watched": jobs_watched,
        "baseline_rss_kib": summarize(baseline),
        "with_finished_rss_kib": summarize(loaded),
        "unwatch_s": unwatch_s,
        "with_finished_unwatched_rss_kib": summarize(unwatched),
        "jobs_created_for_finished_tasks": jobs_after - jobs_before,
        "peak_rss_kib": probes.memory_kib(stack.operator_pid)["VmHWM"],
    }
