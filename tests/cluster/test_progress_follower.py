"""A worker pod's log followed (real cluster, real redis-server): a dropped stream is
reopened once and no line is relayed twice; a follower started for a pod that was
already running (the operator restarted) relays only new lines; the relay forgets a Job
once it finishes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import redis
from kubernetes import client as k8s

from counting_client import CountingApiClient
from devops_orchestrator.adapters import jobs, network_results, pod_logs, results
from devops_orchestrator.adapters import kube as kube_adapter
from devops_orchestrator.adapters.redis_client import Client, connect
from devops_orchestrator.core.jobs import CONTAINER_NAME
from devops_orchestrator.core.progress_jobs import FollowTarget
from devops_orchestrator.core.progress_throttle import Throttle
from devops_orchestrator.core.result_frame import ResultFrame, encode_frame
from devops_orchestrator.progress.channels import Channel, RedisChannel
from devops_orchestrator.progress.follower import Follower
from devops_orchestrator.progress.relay import ProgressRelay, RelayLimits
from fixtures_cluster import Cluster
from fixtures_redis import RedisServer
from go_ahead import go_file as go_file  # the fixture
from polling import wait_for

JOB = "fake-worker-job"
EVERY_LINE = Throttle(0.0, 100)

# The pod writes three tool lines, waits for the test's go-ahead file, writes three more.
SCRIPT = """
import os, sys, time
def tool(n):
    line = f"INFO tool=Glob arg=call-{n} error=false duration_s=0.1 chars=1"
    print(line, file=sys.stderr, flush=True)
for n in (1, 2, 3):
    tool(n)
print("not a tool line", flush=True)
deadline = time.monotonic() + 120
while not os.path.exists(GO) and time.monotonic() < deadline:
    time.sleep(0.05)
for n in (4, 5, 6):
    tool(n)
"""


@pytest.fixture
def running_pod(cluster: Cluster, kube: k8s.ApiClient, namespace: str, go_file: Path) -> Path:
    """The adapters on the test cluster and a pod of the Job running; its go-ahead file."""
    kube_adapter.use_api_client(kube)
    start_pod(cluster, namespace, "worker", go_file)
    wait_for("the pod running", lambda: pod_logs.find_running_pod(namespace, JOB), 60)
    return go_file


def start_pod(cluster: Cluster, namespace: str, name: str, go: Path) -> None:
    script = f"GO = {str(go)!r}\n" + SCRIPT
    manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"batch.kubernetes.io/job-name": JOB}},
        "spec": {
            "restartPolicy": "Never",
            "containers": [
                {"name": "main", "image": "python", "command": ["python", "-c", script]}
            ],
        },
    }
    cluster.kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(manifest))


def target(namespace: str) -> FollowTarget:
    return FollowTarget(namespace, JOB, "job-uid", "docker-worker", "t", "task-uid")


def relayed(redis_client: redis.Redis, task_id: str) -> list[str]:
    return [line.split("] ", 1)[1] for line in network_results.read_logs(redis_client, task_id)]


def follower(namespace: str, client: Client, task_id: str, *, resumed: bool) -> Follower:
    def channels(t: FollowTarget) -> list[Channel]:
        return [RedisChannel(t, EVERY_LINE, client, task_id)]

    return Follower(target(namespace), channels, resumed=resumed, secrets=(), on_end=lambda _: None)


def wait_lines(redis_client: redis.Redis, task_id: str, count: int) -> list[str]:
    return wait_for(
        f"{count} progress lines",
        lambda: (lambda got: got if len(got) >= count else None)(relayed(redis_client, task_id)),
        60,
    )


def pod_log(cluster: Cluster, namespace: str) -> str:
    try:
        return cluster.pod_log(namespace, "worker")
    except FileNotFoundError:  # not started yet
        return ""


def call(n: int) -> str:
    return f"docker-worker: Glob call-{n} (0.1 s)"


def test_a_dropped_stream_is_reopened_without_repeating_a_line(
    namespace: str, running_pod: Path, redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    following = follower(namespace, connect(redis_server.url), "t1", resumed=False)
    following.start()
    wait_lines(redis_client, "t1", 3)

    # The connection dies, as a network failure would end it.
    stream: Any = following._stream
    pod_logs.close_stream(stream)
    running_pod.touch()
    wait_for("the follower to end", lambda: following.done, 60)

    assert relayed(redis_client, "t1") == [call(n) for n in range(1, 7)]
    assert following.lines_read == 7  # six tool lines and one other, each read once


def test_a_follower_for_a_running_pod_after_a_restart_reads_new_lines_only(
    cluster: Cluster,
    namespace: str,
    running_pod: Path,
    redis_server: RedisServer,
    redis_client: redis.Redis,
) -> None:
    wait_for("the pod's first lines", lambda: "not a tool line" in pod_log(cluster, namespace), 60)
    following = follower(namespace, connect(redis_server.url), "t2", resumed=True)
    following.start()
    wait_for("the stream open", lambda: following._stream is not None, 60)
    running_pod.touch()
    wait_for("the follower to end", lambda: following.done, 60)

    assert relayed(redis_client, "t2") == [call(n) for n in (4, 5, 6)]


def test_the_relay_forgets_a_job_once_it_finishes(namespace: str, running_pod: Path) -> None:
    relay = ProgressRelay(RelayLimits(EVERY_LINE, Throttle(30.0, 0), 2, "default"), redis=None)
    owner = {
        "apiVersion": "devops.agentnet.dev/v1alpha1",
        "kind": "DevOpsTask",
        "name": "t",
        "uid": "u",
    }
    job: dict[str, Any] = {
        "metadata": {"name": JOB, "namespace": namespace, "uid": "j1", "ownerReferences": [owner]},
        "spec": {"template": {"spec": {"containers": [{"env": [{"name": "ANTHROPIC_API_KEY"}]}]}}},
        "status": {"active": 1, "ready": 1},
    }
    relay.on_job("MODIFIED", job)
    relay.on_job("MODIFIED", job)  # already followed
    assert len(relay) == 1

    job["status"] = {"conditions": [{"type": "Complete", "status": "True"}]}
    relay.on_job("MODIFIED", job)
    assert len(relay) == 0
    running_pod.touch()


def test_a_completed_jobs_result_is_read_from_the_pod_its_follower_found(
    cluster: Cluster, kube: k8s.ApiClient, namespace: str
) -> None:
    """No pod list when the relay found the worker's pod; a list when nothing did."""
    frame = ResultFrame(exit_code=0, result={"summary": "done"})
    script = f"print({encode_frame(frame)!r})"
    manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "framed", "labels": {"batch.kubernetes.io/job-name": "framed-job"}},
        "spec": {
            "restartPolicy": "Never",
            "containers": [
                {"name": CONTAINER_NAME, "image": "python", "command": ["python", "-c", script]}
            ],
        },
    }
    cluster.kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(manifest))
    counted = CountingApiClient(kube.configuration)
    kube_adapter.use_api_client(counted)
    wait_for(
        "the pod done",
        lambda: (
            "Succeeded"
            in cluster.kubectl(
                "get", "pod", "framed", "-n", namespace, "-o", "jsonpath={.status.phase}"
            ).stdout
        ),
        60,
    )
    job = {
        "metadata": {"name": "framed-job", "namespace": namespace, "uid": "framed-uid"},
        "status": {"conditions": [{"type": "Complete", "status": "True"}]},
    }
    counted.requests.clear()
    jobs.remember_worker_pod("framed-uid", "framed")  # as the follower does
    assert results.read_frame(namespace, job).result == frame.result
    assert counted.requests == [("GET", "log")]
    counted.requests.clear()
    assert results.read_frame(namespace, job).result == frame.result  # nothing remembered
    assert counted.requests == [("GET", "pods"), ("GET", "log")]
