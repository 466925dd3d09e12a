"""Every object of the manifests passes the real API server's validation and admission
(`kubectl apply -k ... --dry-run=server`). A custom object cannot be dry-run before its
CRD is established, nor a namespaced object before its namespace exists: the CRDs and
the Namespace are applied for real first, exactly as a user would."""

from __future__ import annotations

import time
from typing import Any

import pytest

from deploy.deploy_util import MANIFESTS
from devcluster.demo import CRDS, NAMESPACE


def _wait_namespace_usable(cluster: Any, timeout: float = 120) -> None:
    """A namespace deleted by an earlier test may still be terminating."""
    deadline = time.monotonic() + timeout
    while True:
        run = cluster.kubectl(
            "get", "namespace", NAMESPACE, "-o", "jsonpath={.status.phase}", check=False
        )
        if run.returncode != 0 or run.stdout != "Terminating":
            return
        assert time.monotonic() < deadline, f"namespace {NAMESPACE} is stuck terminating"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def prerequisites(cluster: Any) -> None:
    cluster.kubectl("apply", "-k", str(MANIFESTS / "crd"))
    cluster.kubectl(
        "wait", "--for=condition=Established", "--timeout=60s", *(f"crd/{name}" for name in CRDS)
    )
    _wait_namespace_usable(cluster)
    cluster.kubectl("apply", "-f", str(MANIFESTS / "base" / "namespace.yaml"))


@pytest.mark.parametrize("directory", ["", "overlays/with-redis", "overlays/local"])
def test_server_side_dry_run_accepts_every_object(
    cluster: Any, prerequisites: None, directory: str
) -> None:
    rendered = cluster.kubectl("kustomize", str(MANIFESTS / directory)).stdout
    expected = rendered.count("\nkind: ") + rendered.startswith("kind: ")
    run = cluster.kubectl(
        "apply", "-k", str(MANIFESTS / directory), "--dry-run=server", check=False
    )
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stdout.splitlines() if line.endswith("(server dry run)")]
    assert len(lines) == expected, run.stdout


def test_worker_rbac_installs_into_any_namespace(
    cluster: Any, prerequisites: None, namespace: str
) -> None:
    """What a user does for each namespace where tasks run (README)."""
    run = cluster.kubectl(
        "apply", "-k", str(MANIFESTS / "worker"), "-n", namespace, "--dry-run=server", check=False
    )
    assert run.returncode == 0, run.stderr
    assert "serviceaccount/devops-worker created (server dry run)" in run.stdout
