"""The apiserver can be restarted under a running cluster: etcd keeps the objects, the
node agent reconnects (watch, heartbeats) and new work still runs."""

from __future__ import annotations

import time

import pytest
from clusterwait import as_dict, pod_phase, wait_for
from kubernetes import client as k8s

from fixtures_cluster import Cluster

pytestmark = pytest.mark.cluster


def test_restart_apiserver_keeps_state_and_the_node_agent_recovers(
    cluster: Cluster, namespace: str
) -> None:
    cluster.kubectl("create", "configmap", "kept", "-n", namespace, "--from-literal=a=b")
    started = time.monotonic()
    cluster.restart_apiserver(down_seconds=1.0)
    print(f"apiserver restarted in {time.monotonic() - started:.1f}s")
    assert cluster.kubectl("get", "configmap", "kept", "-n", namespace).returncode == 0
    api = cluster.api_client()
    try:
        core = k8s.CoreV1Api(api)
        cluster.kubectl(
            "run",
            "after",
            "-n",
            namespace,
            "--image=busybox",
            "--restart=Never",
            "--",
            "echo",
            "still here",
        )
        wait_for(
            "pod after restart", lambda: pod_phase(core, namespace, "after") == "Succeeded", 60
        )
        assert cluster.kubectl("logs", "-n", namespace, "after").stdout == "still here\n"
        node = as_dict(core.read_node("devnode"))
        ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
        assert ready[0]["status"] == "True"
    finally:
        api.close()  # type: ignore[no-untyped-call]
