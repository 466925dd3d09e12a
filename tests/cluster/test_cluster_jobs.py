"""Jobs run end to end: job controller -> scheduler -> node agent -> status and logs."""

from __future__ import annotations

import json
import time

import pytest
from clusterwait import as_dict, job_condition, job_pods, wait_for
from kubernetes import client as k8s

from fixtures_cluster import Cluster

pytestmark = pytest.mark.cluster


def job_manifest(name: str, script: str, backoff_limit: int = 0) -> str:
    return f"""
apiVersion: batch/v1
kind: Job
metadata: {{name: {name}}}
spec:
  backoffLimit: {backoff_limit}
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: python:3.11-slim
        command: ["python", "-c", {json.dumps(script)}]
"""


def test_job_completes_and_its_log_reads_hi(
    cluster: Cluster, kube: k8s.ApiClient, namespace: str
) -> None:
    started = time.monotonic()
    cluster.kubectl("apply", "-n", namespace, "-f", "-", input=job_manifest("hello", 'print("hi")'))
    batch, core = k8s.BatchV1Api(kube), k8s.CoreV1Api(kube)
    assert wait_for("job hello", lambda: job_condition(batch, namespace, "hello")) == "Complete"
    print(f"job completed in {time.monotonic() - started:.1f}s")
    [pod] = job_pods(core, namespace, "hello")
    assert pod["status"]["phase"] == "Succeeded"
    terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (0, "Completed")
    assert cluster.kubectl("logs", "-n", namespace, "job/hello").stdout == "hi\n"
    assert cluster.pod_log(namespace, pod["metadata"]["name"]) == "hi\n"


def test_failing_job_retries_once_then_fails_with_exit_code_3(
    cluster: Cluster, kube: k8s.ApiClient, namespace: str
) -> None:
    cluster.kubectl(
        "apply",
        "-n",
        namespace,
        "-f",
        "-",
        input=job_manifest("boom", "import sys; sys.exit(3)", backoff_limit=1),
    )
    batch, core = k8s.BatchV1Api(kube), k8s.CoreV1Api(kube)
    assert wait_for("job boom", lambda: job_condition(batch, namespace, "boom"), 90) == "Failed"
    pods = job_pods(core, namespace, "boom")
    assert len(pods) == 2
    for pod in pods:
        assert pod["status"]["phase"] == "Failed"
        terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
        assert (terminated["exitCode"], terminated["reason"]) == (3, "Error")
    assert as_dict(batch.read_namespaced_job("boom", namespace))["status"]["failed"] == 2
