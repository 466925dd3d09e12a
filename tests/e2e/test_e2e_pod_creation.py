"""No silent hang: a task in a namespace where its worker pods cannot be created (no
worker ServiceAccount there) ends Failed within 30 s, with the platform's reason in
`kubectl get dt`, in the status and in an Event; its stuck Jobs are removed."""

from __future__ import annotations

import time
from typing import Any

from kubernetes import client

from e2e.operator_process import OperatorProcess
from e2e.taskutil import Tasks, wait_for

REASON = "serviceaccount devops-worker not found in {namespace}"


def test_a_namespace_without_the_worker_service_account_fails_fast(
    cluster: Any, kube_api: client.ApiClient, namespace: str, operator: OperatorProcess
) -> None:
    tasks = Tasks(kube_api, namespace, operator.log_tail)  # manifests/worker NOT applied
    created = time.monotonic()
    tasks.create("no-account", description="Containerize the Node.js app with a Dockerfile")
    status = tasks.wait_phase("no-account", ["Failed"], 30)
    assert time.monotonic() - created <= 30
    reason = REASON.format(namespace=namespace)
    assert reason in status["message"], status
    assert "apply manifests/worker to this namespace" in status["message"]
    (worker,) = status["workers"]
    assert worker["phase"] == "Failed" and worker["attempts"] == 1, worker  # not retried
    shown = cluster.kubectl("get", "dt", "no-account", "-n", namespace).stdout
    assert "Failed" in shown and reason in shown, shown
    wait_for(
        "a Warning Event with the reason",
        lambda: [
            e for e in tasks.events("no-account") if e.type == "Warning" and reason in e.message
        ],
        15,
        operator.log_tail,
    )
    wait_for("the stuck Job to be removed", lambda: not tasks.jobs("no-account"), 30)
