"""Fast failover: two replicas joined by kopf peering; the active one is SIGKILLed (no
goodbye, as on node loss) and a task created at that moment is under way (its first
worker Job exists) within 15 s, run by the standby."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from kubernetes import client

from e2e.taskutil import wait_for
from fixtures_stack import Stack

PEERING_CRDS = Path(__file__).resolve().parents[2] / "manifests" / "crd" / "kopf-peering.yaml"
PEERING = "devops-orchestrator"
REPLICAS = ("devops-op0", "devops-op1")


def peers(api: client.ApiClient, namespace: str) -> dict[str, Any]:
    body = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "kopf.dev", "v1", namespace, "kopfpeerings", PEERING
    )
    return dict(body.get("status") or {})


def test_the_standby_takes_over_within_15_seconds(stack: Stack) -> None:
    stack.cluster.kubectl("apply", "-f", str(PEERING_CRDS))
    stack.cluster.kubectl(
        "wait", "--for=condition=Established", "crd/kopfpeerings.kopf.dev", "--timeout=60s"
    )
    peering = {"apiVersion": "kopf.dev/v1", "kind": "KopfPeering", "metadata": {"name": PEERING}}
    client.CustomObjectsApi(stack.api).create_namespaced_custom_object(
        "kopf.dev", "v1", stack.namespace, "kopfpeerings", peering
    )
    operators = {
        agent: stack.operator(agent, DEVOPS_PEERING=PEERING, POD_ID=agent) for agent in REPLICAS
    }
    both = wait_for(
        "both replicas in the peering",
        lambda: (lambda p: p if set(p) == set(REPLICAS) else None)(
            peers(stack.api, stack.namespace)
        ),
        30,
        stack.log_tail,
    )
    active = max(REPLICAS, key=lambda agent: int(both[agent]["priority"]))
    standby = next(agent for agent in REPLICAS if agent != active)
    # kopf starts paused and says so only when it resumes: the active one has, by now
    operators[active].wait_for_log("Resuming operations", timeout=30)

    operators[active].kill()
    killed = time.monotonic()
    stack.tasks.create("after-failover", description="Containerize the Node.js app")
    wait_for(
        "a worker Job of the task created at the kill",
        lambda: stack.tasks.jobs("after-failover"),
        15,
        stack.log_tail,
    )
    assert time.monotonic() - killed <= 15
    assert "Resuming operations" in operators[standby].log_text()
