"""Storing a worker's result and files in the cluster (thin adapter over `kubernetes`).

Only in a cluster: `POD_NAMESPACE` set and the briefing naming its result ConfigMap.
Standalone runs store nothing remotely. Upserts are idempotent: create, and on 409
replace."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from devops_orchestrator.models import Briefing

if TYPE_CHECKING:  # imported when used: a standalone worker never pays for the client
    from kubernetes import client as k8s


def in_cluster(briefing: Briefing) -> bool:
    return bool(os.environ.get("POD_NAMESPACE")) and bool(briefing.result_configmap)


def load_api() -> k8s.CoreV1Api:
    """In-cluster service account first, else KUBECONFIG / ~/.kube/config."""
    from kubernetes import client as k8s_client
    from kubernetes import config as k8s_config

    try:
        k8s_config.load_incluster_config()  # type: ignore[no-untyped-call]
    except k8s_config.ConfigException:
        k8s_config.load_kube_config()  # type: ignore[no-untyped-call]
    return k8s_client.CoreV1Api()


def ensure_configmap(api: k8s.CoreV1Api, body: dict[str, Any]) -> None:
    namespace = body["metadata"]["namespace"]
    name = body["metadata"]["name"]
    from kubernetes.client.exceptions import ApiException

    try:
        api.create_namespaced_config_map(namespace, body)  # type: ignore[arg-type]
    except ApiException as exc:
        if exc.status != 409:
            raise
        api.replace_namespaced_config_map(name, namespace, body)  # type: ignore[arg-type]
