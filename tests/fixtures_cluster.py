"""The local control plane (devcluster): one per test run, a fresh namespace per test.

Set DEVCLUSTER_KUBECONFIG to the kubeconfig of a running devcluster (e.g. after
`python -m devcluster up`: <repo>/.devcluster/kubeconfig) to reuse it instead of starting
one (about 10 s saved per run); it is then left running.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from kubernetes import client as k8s
from kubernetes.config import new_client_from_config

from devcluster import launcher, podfiles
from devcluster.binaries import bin_dir as default_bin_dir
from devcluster.state import ClusterPaths


@dataclass
class Cluster:
    state_dir: Path
    kubeconfig: Path
    bin_dir: Path
    server: str
    started_in: float  # seconds the start took; 0.0 when reused

    def kubectl(
        self, *args: str, check: bool = True, input: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin_dir / "kubectl"), f"--kubeconfig={self.kubeconfig}", *args],
            check=check,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def api_client(self) -> k8s.ApiClient:
        """A client of this cluster only: nothing global is configured."""
        api: k8s.ApiClient = new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=str(self.kubeconfig)
        )
        return api

    def pod_log(self, namespace: str, pod: str, container: str | None = None) -> str:
        """The container's current log, read from the node agent's files."""
        return podfiles.read_log(ClusterPaths(self.state_dir), namespace, pod, container)

    def restart_apiserver(self, down_seconds: float = 0.0) -> None:
        """Stop kube-apiserver and start it again on the same port; etcd keeps the data."""
        launcher.restart_apiserver(self.state_dir, self.bin_dir, down_seconds)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    reuse = os.environ.get("DEVCLUSTER_KUBECONFIG")
    if reuse:
        state_dir = Path(reuse).resolve().parent
        found = launcher.info(state_dir)
        if found is None or not launcher.is_up(state_dir):
            raise RuntimeError(f"DEVCLUSTER_KUBECONFIG={reuse}: no running devcluster there")
        yield Cluster(state_dir, found.kubeconfig, found.bin_dir, found.server, 0.0)
        return
    # Our own temp dir (not pytest's numbered ones, which other sessions may clean up).
    # Not under /tmp: worker pods mount an emptyDir at /tmp, which hides a state dir
    # there (their volume and runtime mount sources live in it).
    state_dir = Path(tempfile.mkdtemp(prefix="devcluster-", dir="/var/tmp"))
    try:
        info = launcher.up(state_dir, default_bin_dir())
        yield Cluster(state_dir, info.kubeconfig, info.bin_dir, info.server, info.started_in)
    finally:
        launcher.down(state_dir)
        shutil.rmtree(state_dir, ignore_errors=True)


@pytest.fixture
def kube(cluster: Cluster) -> Iterator[k8s.ApiClient]:
    api = cluster.api_client()
    yield api
    api.close()  # type: ignore[no-untyped-call]


@pytest.fixture
def namespace(kube: k8s.ApiClient) -> Iterator[str]:
    """A fresh namespace t-<random> with its default service account ready."""
    core = k8s.CoreV1Api(kube)
    name = f"t-{uuid.uuid4().hex[:8]}"
    core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=name)))
    deadline = time.monotonic() + 30
    while True:  # pods are rejected until the controller-manager made this account
        try:
            core.read_namespaced_service_account("default", name)
            break
        except k8s.ApiException as exc:
            if exc.status != 404 or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    yield name
    try:
        core.delete_namespace(name)
    except k8s.ApiException as exc:
        if exc.status != 404:
            raise
