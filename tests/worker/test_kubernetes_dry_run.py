"""Kubernetes manifests checked by a real API server (`kubectl apply --dry-run=server`)
when one is reachable; without one, the offline schema check stands alone."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from devops_orchestrator.config import get_settings
from devops_orchestrator.models import Severity
from devops_orchestrator.worker.validators import validate_files
from fixtures_cluster import Cluster

# Valid for the schema, refused by the API server: the selector does not match the labels.
MISMATCHED_SELECTOR = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: other}
    spec:
      containers:
        - name: web
          image: nginx:1.27
"""


def _use(monkeypatch: pytest.MonkeyPatch, kubeconfig: Path, bin_dir: Path) -> None:
    monkeypatch.setenv("DEVOPS_KUBERNETES_DRY_RUN", "true")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    get_settings.cache_clear()


def test_the_server_refuses_what_the_schema_accepts(
    cluster: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, cluster.kubeconfig, cluster.bin_dir)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s/web.yaml").write_text(MISMATCHED_SELECTOR)
    issues = validate_files(tmp_path, ["k8s/web.yaml"])
    assert [(i.validator, i.rule, i.file, i.severity) for i in issues] == [
        ("kubernetes-dry-run", "Invalid", "k8s/web.yaml", Severity.ERROR)
    ]
    assert "selector" in issues[0].message
    # nothing was created: it was a dry run
    listed = cluster.kubectl("get", "deployments", "-n", "default", "-o", "name")
    assert "deployment.apps/web" not in listed.stdout


def test_without_a_reachable_cluster_the_schema_check_stands_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        f"clusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:{port}'}}}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
    )
    bin_dir = next(Path.home().glob(".cache/devops-orchestrator/controlplane-*/bin"))
    _use(monkeypatch, kubeconfig, bin_dir)
    (tmp_path / "web.yaml").write_text(MISMATCHED_SELECTOR)
    assert validate_files(tmp_path, ["web.yaml"]) == []
