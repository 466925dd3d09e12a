"""Garbage collection at scale on the real API server: 1,000 finished tasks past their
time go, with their ConfigMaps, in paged list calls; running, recent and long-lived
(`spec.ttlSecondsAfterFinished`) tasks stay. The objects are made directly through the
API (as finished tasks would leave them), not by running 1,000 tasks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from kubernetes import client

from devops_orchestrator import constants as c
from devops_orchestrator.adapters import kube, tasks
from devops_orchestrator.collector import Collector

EXPIRED = 1000
DAY = 86400


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_task(
    api: client.ApiClient, namespace: str, name: str, status: dict[str, Any] | None, **spec: Any
) -> None:
    custom, core = client.CustomObjectsApi(api), client.CoreV1Api(api)
    body = {
        "apiVersion": c.API_VERSION,
        "kind": c.KIND,
        "metadata": {"name": name},
        "spec": {"description": "Containerize the app", **spec},
    }
    created = custom.create_namespaced_custom_object(c.GROUP, c.VERSION, namespace, c.PLURAL, body)
    if status:
        custom.patch_namespaced_custom_object_status(
            c.GROUP, c.VERSION, namespace, c.PLURAL, name, {"status": status}
        )
    owner = {
        "apiVersion": c.API_VERSION,
        "kind": c.KIND,
        "name": name,
        "uid": created["metadata"]["uid"],
    }
    labels = {c.LABEL_TASK: name, c.LABEL_MANAGED_BY: c.MANAGED_BY, c.LABEL_COMPONENT: "result"}
    configmap = {
        "metadata": {
            "name": f"{name}-docker-1-result",
            "labels": labels,
            "ownerReferences": [owner],
        },
        "data": {"result.json": "{}"},
    }
    core.create_namespaced_config_map(namespace, configmap)


def test_a_thousand_expired_tasks_go_with_their_configmaps(
    kube_api: client.ApiClient, devops_crd: None, namespace: str
) -> None:
    now = datetime.now(UTC)
    long_ago = {"phase": "Succeeded", "completedAt": stamp(now - timedelta(days=2))}
    with ThreadPoolExecutor(max_workers=6) as pool:
        made = [
            pool.submit(make_task, kube_api, namespace, f"done-{index:04d}", long_ago)
            for index in range(EXPIRED)
        ]
        made += [
            pool.submit(make_task, kube_api, namespace, "still-running", None),
            pool.submit(
                make_task,
                kube_api,
                namespace,
                "just-finished",
                {"phase": "Failed", "completedAt": stamp(now)},
            ),
            pool.submit(
                make_task,
                kube_api,
                namespace,
                "kept-longer",
                long_ago,
                ttlSecondsAfterFinished=7 * DAY,
            ),
        ]
        for future in made:
            future.result()
    kube.use_api_client(kube_api)

    pages = list(tasks.iter_task_pages((namespace,), page_size=100))
    assert len(pages) == 11 and all(len(page) <= 100 for page in pages)
    assert sum(len(page) for page in pages) == EXPIRED + 3

    collector = Collector(namespaces=(namespace,), default_ttl=DAY, interval=60, page_size=100)
    assert collector.collect_once() == EXPIRED

    left = sorted(body["metadata"]["name"] for body in tasks.list_tasks((namespace,)))
    assert left == ["just-finished", "kept-longer", "still-running"]
    configmaps = client.CoreV1Api(kube_api).list_namespaced_config_map(
        namespace, label_selector=f"{c.LABEL_MANAGED_BY}={c.MANAGED_BY}"
    )
    assert sorted(cm.metadata.labels[c.LABEL_TASK] for cm in configmaps.items) == left
    assert collector.collect_once() == 0  # nothing more is due
