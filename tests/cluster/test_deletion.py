"""Deleting running pods, whole namespaces and owners: nothing stays behind or Terminating."""

from __future__ import annotations

import os

import pytest
from clusterwait import as_dict, is_gone, job_pods, pod_phase, wait_for
from kubernetes import client as k8s

from fixtures_cluster import Cluster

pytestmark = pytest.mark.cluster

SLEEPER = """
apiVersion: v1
kind: Pod
metadata: {name: sleeper}
spec:
  containers:
  - {name: main, image: busybox, command: ["sleep", "3600"]}
"""


def _container_pid(cluster: Cluster, namespace: str, pod: str) -> int:
    pid_file = cluster.state_dir / "pods" / namespace / pod / "run" / "main.pid"
    return int(pid_file.read_text())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_namespace_with_a_running_pod_deletes_completely(
    cluster: Cluster, kube: k8s.ApiClient
) -> None:
    core = k8s.CoreV1Api(kube)
    namespace = "t-delete-me"
    cluster.kubectl("create", "namespace", namespace)
    wait_for(
        "default service account",
        lambda: cluster.kubectl("get", "sa/default", "-n", namespace, check=False).returncode == 0,
    )
    cluster.kubectl("apply", "-n", namespace, "-f", "-", input=SLEEPER)
    wait_for("sleeper running", lambda: pod_phase(core, namespace, "sleeper") == "Running")
    pid = _container_pid(cluster, namespace, "sleeper")
    assert _alive(pid)
    cluster.kubectl("delete", "namespace", namespace, "--wait=false")
    wait_for("namespace gone", lambda: is_gone(lambda: core.read_namespace(namespace)), 90)
    wait_for("sleep process gone", lambda: not _alive(pid), 10)


def test_deleting_a_jobs_owner_garbage_collects_the_job_and_its_pods(
    cluster: Cluster, kube: k8s.ApiClient, namespace: str
) -> None:
    core, batch = k8s.CoreV1Api(kube), k8s.BatchV1Api(kube)
    owner = as_dict(
        core.create_namespaced_config_map(
            namespace, k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name="owner"))
        )
    )
    cluster.kubectl(
        "apply",
        "-n",
        namespace,
        "-f",
        "-",
        input=f"""
apiVersion: batch/v1
kind: Job
metadata:
  name: owned
  ownerReferences:
  - {{apiVersion: v1, kind: ConfigMap, name: owner, uid: {owner["metadata"]["uid"]}}}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - {{name: main, image: busybox, command: ["sleep", "3600"]}}
""",
    )

    def running_pod() -> str | None:
        running = [
            p for p in job_pods(core, namespace, "owned") if p["status"]["phase"] == "Running"
        ]
        return str(running[0]["metadata"]["name"]) if running else None

    pod = wait_for("owned job's pod running", running_pod)
    pid = _container_pid(cluster, namespace, pod)
    core.delete_namespaced_config_map("owner", namespace)
    wait_for(
        "job collected", lambda: is_gone(lambda: batch.read_namespaced_job("owned", namespace)), 60
    )
    wait_for("pod collected", lambda: is_gone(lambda: core.read_namespaced_pod(pod, namespace)), 60)
    wait_for("sleep process gone", lambda: not _alive(pid), 10)
