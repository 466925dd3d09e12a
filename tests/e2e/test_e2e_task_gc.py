"""Garbage collection at scale on the real API server: 1,000 finished tasks past their
time go, with their ConfigMaps (owned by them), in paged list calls; running, recent and long-lived
(`spec.ttlSecondsAfterFinished`) tasks stay. The objects are made directly through the
API (as finished tasks would leave them: kubectl, one List per kind), not by running
1,000 tasks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from kubernetes import client

from devops_orchestrator import constants as c
from devops_orchestrator.adapters import kube, tasks
from devops_orchestrator.collector import Collector
from polling import wait_for

EXPIRED = 1000
DAY = 86400


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def apply(cluster: Any, namespace: str, items: list[dict[str, Any]], *args: str) -> None:
    listing = json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
    done = cluster.kubectl(
        *args, "-n", namespace, "-f", "-", input=listing, check=False, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_thousand_expired_tasks_go_with_their_configmaps(
    cluster: Any, kube_api: client.ApiClient, devops_crd: None, namespace: str
) -> None:
    now = datetime.now(UTC)
    long_ago = {"phase": "Succeeded", "completedAt": stamp(now - timedelta(days=2))}
    statuses: dict[str, dict[str, Any] | None] = {
        **{f"done-{index:04d}": long_ago for index in range(EXPIRED)},
        "still-running": None,
        "just-finished": {"phase": "Failed", "completedAt": stamp(now)},
        "kept-longer": long_ago,
    }

    def task(name: str) -> dict[str, Any]:
        spec: dict[str, Any] = {"description": "Containerize the app"}
        if name == "kept-longer":
            spec["ttlSecondsAfterFinished"] = 7 * DAY
        return {
            "apiVersion": c.API_VERSION,
            "kind": c.KIND,
            "metadata": {"name": name},
            "spec": spec,
        }

    def configmap(name: str, uid: str) -> dict[str, Any]:
        """A result ConfigMap as the operator stores it: owned by its task."""
        labels = {c.LABEL_TASK: name, c.LABEL_MANAGED_BY: c.MANAGED_BY, c.LABEL_COMPONENT: "result"}
        owner = {"apiVersion": c.API_VERSION, "kind": c.KIND, "name": name, "uid": uid}
        meta = {"name": f"{name}-docker-1-result", "labels": labels, "ownerReferences": [owner]}
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"r": "{}"}}

    apply(cluster, namespace, [task(name) for name in statuses], "create")
    made = client.CustomObjectsApi(kube_api).list_namespaced_custom_object(
        c.GROUP, c.VERSION, namespace, c.PLURAL
    )
    uids = {item["metadata"]["name"]: item["metadata"]["uid"] for item in made["items"]}
    finished = [
        {"apiVersion": c.API_VERSION, "kind": c.KIND, "metadata": {"name": name}, "status": status}
        for name, status in statuses.items()
        if status
    ]
    apply(
        cluster,
        namespace,
        finished,
        "apply",
        "--server-side",
        "--subresource=status",
        "--validate=false",
    )
    apply(cluster, namespace, [configmap(name, uids[name]) for name in statuses], "create")
    kube.use_api_client(kube_api)

    pages = list(tasks.iter_task_pages((namespace,), page_size=100))
    assert len(pages) == 11 and all(len(page) <= 100 for page in pages)
    assert sum(len(page) for page in pages) == EXPIRED + 3

    collector = Collector(namespaces=(namespace,), default_ttl=DAY, interval=60, page_size=250)
    assert collector.collect_once() == EXPIRED

    left = sorted(body["metadata"]["name"] for body in tasks.list_tasks((namespace,)))
    assert left == ["just-finished", "kept-longer", "still-running"]

    def configmaps_left() -> list[str] | None:
        found = client.CoreV1Api(kube_api).list_namespaced_config_map(
            namespace, label_selector=f"{c.LABEL_MANAGED_BY}={c.MANAGED_BY}"
        )
        names = sorted(cm.metadata.labels[c.LABEL_TASK] for cm in found.items)
        return names if names == left else None

    # the ConfigMaps follow their tasks through Kubernetes' garbage collector
    wait_for("the collected tasks' ConfigMaps to go", configmaps_left, 120)
    assert collector.collect_once() == 0  # nothing more is due
