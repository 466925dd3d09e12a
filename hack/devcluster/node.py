"""The Node object and its heartbeats (Lease renewals and status updates)."""

from __future__ import annotations

import logging
import os
import platform
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from devcluster.rest import MERGE_PATCH, ApiError, KubeRest

log = logging.getLogger("devcluster.node")

LEASE_SECONDS = 40
RENEW_EVERY = 10.0
STATUS_EVERY = 60.0
CAPACITY = {"cpu": "32", "memory": "64Gi", "pods": "500", "ephemeral-storage": "100Gi"}
RUNTIME_VERSION = "devcluster://0.1.0"


def rfc3339(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def micro_time(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _condition(kind: str, status: str, reason: str, message: str, now: str) -> dict[str, str]:
    return {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastHeartbeatTime": now,
        "lastTransitionTime": now,
    }


def build_node_status(kubelet_port: int, now: str) -> dict[str, Any]:
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    return {
        "capacity": CAPACITY,
        "allocatable": CAPACITY,
        "conditions": [
            _condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "ok", now),
            _condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "ok", now),
            _condition("PIDPressure", "False", "KubeletHasSufficientPID", "ok", now),
            _condition("Ready", "True", "KubeletReady", "devcluster node agent is ready", now),
        ],
        # Only InternalIP: the apiserver reaches our kubelet API (logs) through it.
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": kubelet_port}},
        "nodeInfo": {
            "machineID": uuid.uuid5(uuid.NAMESPACE_DNS, platform.node()).hex,
            "systemUUID": str(uuid.uuid5(uuid.NAMESPACE_DNS, platform.node())),
            "bootID": str(uuid.uuid4()),
            "kernelVersion": platform.release(),
            "osImage": "devcluster (pods are local processes)",
            "containerRuntimeVersion": RUNTIME_VERSION,
            "kubeletVersion": "v1.36.3",
            "kubeProxyVersion": "",
            "operatingSystem": "linux",
            "architecture": arch,
        },
    }


def build_node(name: str, kubelet_port: int, now: str) -> dict[str, Any]:
    arch = build_node_status(kubelet_port, now)["nodeInfo"]["architecture"]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": arch,
                "devcluster.agentnet.dev/node-agent": "true",
            },
        },
        "spec": {},
        "status": build_node_status(kubelet_port, now),
    }


def build_lease(node: dict[str, Any], now: str) -> dict[str, Any]:
    meta = node["metadata"]
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {
            "name": meta["name"],
            "namespace": "kube-node-lease",
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "Node", "name": meta["name"], "uid": meta["uid"]}
            ],
        },
        "spec": {
            "holderIdentity": meta["name"],
            "leaseDurationSeconds": LEASE_SECONDS,
            "renewTime": now,
        },
    }


class NodeHeartbeat:
    """Registers the node and keeps it Ready: Lease every 10 s, status every minute."""

    def __init__(self, api: KubeRest, name: str, kubelet_port: int) -> None:
        self.api = api
        self.name = name
        self.kubelet_port = kubelet_port
        self.stopped = threading.Event()
        self.node: dict[str, Any] = {}

    def register(self) -> None:
        now = rfc3339()
        try:
            self.node = self.api.create(
                "/api/v1/nodes", build_node(self.name, self.kubelet_port, now)
            )
        except ApiError as exc:
            if exc.status != 409:
                raise
            self.node = self.api.get(f"/api/v1/nodes/{self.name}")
        self.update_status()
        self.renew_lease()
        log.info(
            "node %s registered (kubelet port %d, pid %d)",
            self.name,
            self.kubelet_port,
            os.getpid(),
        )

    def update_status(self) -> None:
        status = build_node_status(self.kubelet_port, rfc3339())
        self.api.patch(f"/api/v1/nodes/{self.name}/status", {"status": status})

    def renew_lease(self) -> None:
        path = f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{self.name}"
        lease = build_lease(self.node, micro_time())
        try:
            self.api.patch(path, {"spec": lease["spec"]}, MERGE_PATCH)
        except ApiError as exc:
            if exc.status != 404:
                raise
            self.api.create("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease)

    def run(self) -> None:
        since_status = 0.0
        while not self.stopped.wait(RENEW_EVERY):
            try:
                self.renew_lease()
                since_status += RENEW_EVERY
                if since_status >= STATUS_EVERY:
                    self.update_status()
                    since_status = 0.0
            except (ApiError, OSError) as exc:  # the apiserver may be restarting
                log.warning("heartbeat failed: %s", exc)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="heartbeat", daemon=True)
        thread.start()
        return thread
