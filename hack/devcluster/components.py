"""Command lines of the cluster's components (pure: paths and ports in, argv out)."""

from __future__ import annotations

import sys
from pathlib import Path

from devcluster.state import NODE_NAME, ClusterPaths, Ports

SERVICE_CIDR = "10.96.0.0/16"
ISSUER = "https://kubernetes.default.svc.cluster.local"

# Start order; `down` stops in reverse.
COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "nodeagent")


def etcd_argv(bin_dir: Path, paths: ClusterPaths, ports: Ports) -> list[str]:
    client = f"http://127.0.0.1:{ports.etcd_client}"
    peer = f"http://127.0.0.1:{ports.etcd_peer}"
    return [
        str(bin_dir / "etcd"),
        "--name=devcluster",
        f"--data-dir={paths.etcd_data}",
        f"--listen-client-urls={client}",
        f"--advertise-client-urls={client}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=devcluster={peer}",
        "--log-level=warn",
        # A throwaway dev cluster: no fsync per write keeps startup and tests fast.
        "--unsafe-no-fsync",
        "--quota-backend-bytes=2147483648",
    ]


def apiserver_argv(bin_dir: Path, paths: ClusterPaths, ports: Ports) -> list[str]:
    return [
        str(bin_dir / "kube-apiserver"),
        f"--etcd-servers=http://127.0.0.1:{ports.etcd_client}",
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        f"--secure-port={ports.apiserver}",
        f"--tls-cert-file={paths.cert('apiserver')}",
        f"--tls-private-key-file={paths.key('apiserver')}",
        f"--client-ca-file={paths.cert('ca')}",
        f"--service-account-issuer={ISSUER}",
        f"--service-account-key-file={paths.pki / 'sa.pub'}",
        f"--service-account-signing-key-file={paths.key('sa')}",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        "--authorization-mode=Node,RBAC",
        f"--kubelet-client-certificate={paths.cert('apiserver-kubelet-client')}",
        f"--kubelet-client-key={paths.key('apiserver-kubelet-client')}",
        f"--kubelet-certificate-authority={paths.cert('ca')}",
        "--kubelet-preferred-address-types=InternalIP",
        # Loopback cannot be an Endpoints address; nothing in-cluster routes to it anyway.
        "--endpoint-reconciler-type=none",
        "--allow-privileged=true",
        "--profiling=false",
        "--v=1",
    ]


def controller_manager_argv(bin_dir: Path, paths: ClusterPaths, ports: Ports) -> list[str]:
    kubeconfig = paths.component_kubeconfig("controller-manager")
    return [
        str(bin_dir / "kube-controller-manager"),
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        "--bind-address=127.0.0.1",
        f"--secure-port={ports.controller_manager}",
        f"--cert-dir={paths.root / 'controller-manager-certs'}",
        "--controllers=*",
        "--use-service-account-credentials=true",
        f"--service-account-private-key-file={paths.key('sa')}",
        f"--root-ca-file={paths.cert('ca')}",
        f"--cluster-signing-cert-file={paths.cert('ca')}",
        f"--cluster-signing-key-file={paths.key('ca')}",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        # Each controller's client is limited to 20 requests/s by default: the Job
        # controller (a pod create and ~3 status writes per Job) then caps a scale run
        # at ~1 three-worker task/s whatever the operator does (make bench-scale).
        "--kube-api-qps=300",
        "--kube-api-burst=600",
        "--leader-elect=false",
        "--profiling=false",
        "--v=1",
    ]


def scheduler_argv(bin_dir: Path, paths: ClusterPaths, ports: Ports) -> list[str]:
    kubeconfig = paths.component_kubeconfig("scheduler")
    return [
        str(bin_dir / "kube-scheduler"),
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        "--bind-address=127.0.0.1",
        f"--secure-port={ports.scheduler}",
        f"--cert-dir={paths.root / 'scheduler-certs'}",
        "--leader-elect=false",
        "--profiling=false",
        "--v=1",
    ]


def nodeagent_argv(paths: ClusterPaths, ports: Ports) -> list[str]:
    return [
        sys.executable,
        "-m",
        "devcluster.nodeagent",
        f"--state-dir={paths.root}",
        f"--node-name={NODE_NAME}",
        f"--kubelet-port={ports.kubelet}",
        f"--server=https://127.0.0.1:{ports.apiserver}",
    ]


def argv_for(component: str, bin_dir: Path, paths: ClusterPaths, ports: Ports) -> list[str]:
    if component == "etcd":
        return etcd_argv(bin_dir, paths, ports)
    if component == "kube-apiserver":
        return apiserver_argv(bin_dir, paths, ports)
    if component == "kube-controller-manager":
        return controller_manager_argv(bin_dir, paths, ports)
    if component == "kube-scheduler":
        return scheduler_argv(bin_dir, paths, ports)
    if component == "nodeagent":
        return nodeagent_argv(paths, ports)
    raise ValueError(f"unknown component {component!r}")
