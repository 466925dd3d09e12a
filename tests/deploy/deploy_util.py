"""Helpers of the deploy tests: the repository's paths, kustomize rendering with the
pinned kubectl (rendering needs no cluster), and removing a deployed operator."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from devcluster.demo import DEPLOYMENT, NAMESPACE, Kubectl

REPO = Path(__file__).resolve().parents[2]
MANIFESTS = REPO / "manifests"


def render(kubectl: Path, directory: Path) -> list[dict[str, Any]]:
    """`kubectl kustomize directory`, parsed."""
    out = subprocess.run(
        [str(kubectl), "kustomize", str(directory)], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


def find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def find_prefixed(objects: list[dict[str, Any]], kind: str, prefix: str) -> dict[str, Any]:
    """A generated object (its name carries kustomize's content hash)."""
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"].startswith(prefix)]
    assert len(matches) == 1, f"{kind}/{prefix}*: {len(matches)} found"
    return matches[0]


def iter_containers(obj: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = obj.get("spec", {}).get("template", {}).get("spec", {})
    yield from spec.get("containers", [])


def uninstall_operator(kubectl: Kubectl) -> None:
    """Stop the operator before anything else (it watches every namespace), then remove
    what the install created, except the CRDs other tests share."""
    kubectl(
        "delete",
        "deployment",
        DEPLOYMENT,
        "-n",
        NAMESPACE,
        "--ignore-not-found",
        "--wait=true",
        "--timeout=90s",
        check=False,
        timeout=120,
    )
    kubectl(
        "wait",
        "--for=delete",
        "pod",
        "-l",
        "app.kubernetes.io/component=operator",
        "-n",
        NAMESPACE,
        "--timeout=90s",
        check=False,
        timeout=120,
    )
    kubectl(
        "delete",
        "namespace",
        NAMESPACE,
        "--ignore-not-found",
        "--wait=true",
        "--timeout=120s",
        check=False,
        timeout=150,
    )
    kubectl(
        "delete",
        "clusterrolebinding,clusterrole",
        "devops-orchestrator",
        "--ignore-not-found",
        check=False,
    )
    kubectl(
        "delete", "clusterkopfpeering", "devops-orchestrator", "--ignore-not-found", check=False
    )
    volumes = kubectl.json("pv") or {}
    for pv in volumes.get("items", []):
        if (pv["spec"].get("claimRef") or {}).get("namespace") == NAMESPACE:
            kubectl("delete", "pv", pv["metadata"]["name"], "--ignore-not-found", check=False)
