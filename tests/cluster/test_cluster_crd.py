"""The project's CRD installs with the built kubectl and is served."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures_cluster import Cluster

CRD = Path(__file__).resolve().parents[2] / "crds" / "devopstask.yaml"

pytestmark = pytest.mark.cluster


def test_devopstask_crd_applies_and_is_served(cluster: Cluster, namespace: str) -> None:
    cluster.kubectl("apply", "-f", str(CRD))
    cluster.kubectl(
        "wait",
        "--for=condition=Established",
        "crd/devopstasks.devops.agentnet.dev",
        "--timeout=30s",
    )
    listing = cluster.kubectl("get", "devopstasks", "-n", namespace)
    assert listing.returncode == 0
    assert "No resources found" in listing.stderr
    short = cluster.kubectl("get", "dt", "-n", namespace)
    assert short.returncode == 0
