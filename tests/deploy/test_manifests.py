"""The kustomize manifests, rendered with the pinned kubectl: what they contain, and
least-privilege RBAC. The server-side checks are in test_manifests_server.py."""

from __future__ import annotations

import base64
import ipaddress
from pathlib import Path
from typing import Any

import pytest

from deploy.deploy_util import MANIFESTS, REPO, find, find_prefixed, iter_containers, render
from devops_orchestrator import constants as c
from devops_orchestrator.config import Settings

NAMESPACE = "devops-orchestrator"
IMAGE = "ghcr.io/agentnet/devops-orchestrator:0.1.0"
CLUSTER_SCOPED = {
    "Namespace",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterKopfPeering",
}
OPERATOR_LABELS = {
    "app.kubernetes.io/name": "devops-orchestrator",
    "app.kubernetes.io/component": "operator",
}
KUSTOMIZATIONS = ["", "base", "crd", "worker", "overlays/with-redis", "overlays/local", "quota"]

# (apiGroup, resource) -> verbs: everything the operator may do, nothing more.
OPERATOR_RULES = {
    (c.GROUP, "devopstasks"): {"get", "list", "watch", "create", "patch", "update", "delete"},
    (c.GROUP, "devopstasks/status"): {"get", "patch", "update"},
    (c.GROUP, "devopstasks/finalizers"): {"update"},
    ("batch", "jobs"): {"get", "list", "watch", "delete"},
    ("", "pods"): {"get", "list", "watch"},
    ("", "events"): {"create", "patch", "list"},
    ("events.k8s.io", "events"): {"create", "patch"},
    ("kopf.dev", "clusterkopfpeerings"): {"get", "list", "watch", "patch"},
    ("kopf.dev", "kopfpeerings"): {"get", "list", "watch", "patch"},
    ("", "namespaces"): {"get", "list", "watch"},
    ("apiextensions.k8s.io", "customresourcedefinitions"): {"get", "list", "watch"},
}


@pytest.fixture(scope="module")
def objects(kubectl_bin: Path) -> list[dict[str, Any]]:
    return render(kubectl_bin, MANIFESTS)


def _rules(role: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for rule in role["rules"]:
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                out.setdefault((group, resource), set()).update(rule["verbs"])
    return out


def _deployment(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return find(objects, "Deployment", "devops-orchestrator")


def _redis_url(objects: list[dict[str, Any]]) -> str:
    secret = find_prefixed(objects, "Secret", "devops-orchestrator-redis-")
    return base64.b64decode(secret["data"]["DEVOPS_REDIS_URL"]).decode()


def _config(objects: list[dict[str, Any]]) -> dict[str, str]:
    config = find_prefixed(objects, "ConfigMap", "devops-orchestrator-config-")
    data: dict[str, str] = config["data"]
    return data


def test_the_crd_copy_is_the_crd(objects: list[dict[str, Any]]) -> None:
    copy = MANIFESTS / "crd" / "devopstask.yaml"
    assert copy.read_bytes() == (REPO / "crds" / "devopstask.yaml").read_bytes(), (
        "manifests/crd/devopstask.yaml is stale: run `make manifests`"
    )
    assert find(objects, "CustomResourceDefinition", c.CRD_NAME)


@pytest.mark.parametrize("directory", KUSTOMIZATIONS)
def test_every_kustomization_renders(kubectl_bin: Path, directory: str) -> None:
    assert render(kubectl_bin, MANIFESTS / directory)


@pytest.mark.parametrize("directory", KUSTOMIZATIONS)
def test_rbac_has_no_wildcards(kubectl_bin: Path, directory: str) -> None:
    for obj in render(kubectl_bin, MANIFESTS / directory):
        if obj["kind"] not in ("Role", "ClusterRole"):
            continue
        assert "aggregationRule" not in obj
        for rule in obj["rules"]:
            for key in ("apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs"):
                assert not any("*" in v for v in rule.get(key, [])), (obj["metadata"], rule)


def test_operator_rbac_is_exactly_what_it_uses(objects: list[dict[str, Any]]) -> None:
    assert _rules(find(objects, "ClusterRole", "devops-orchestrator")) == OPERATOR_RULES
    binding = find(objects, "ClusterRoleBinding", "devops-orchestrator")
    assert binding["roleRef"]["name"] == "devops-orchestrator"
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "devops-orchestrator", "namespace": NAMESPACE}
    ]
    leases = find(objects, "Role", "devops-orchestrator-leases")
    assert set(_rules(leases)) == {("coordination.k8s.io", "leases")}
    assert "delete" not in _rules(leases)[("coordination.k8s.io", "leases")]


def test_workers_hold_no_rights_and_the_operator_acts_in_task_namespaces_only(
    objects: list[dict[str, Any]], kubectl_bin: Path
) -> None:
    """Workers call no API: no Role, no token. What touches data in a task namespace
    (worker logs, result ConfigMaps, a Secret's labels) is bound there, not cluster-wide."""
    account = find(objects, "ServiceAccount", Settings().worker_service_account)
    assert account["automountServiceAccountToken"] is False
    bound = {
        o["roleRef"]["name"] for o in objects if o["kind"] in ("RoleBinding", "ClusterRoleBinding")
    }
    assert all(
        o["kind"] not in ("Role", "RoleBinding") or "worker" not in o["metadata"]["name"]
        for o in objects
    )
    assert bound == {
        "devops-orchestrator",
        "devops-orchestrator-leases",
        "devops-orchestrator-tasks",
    }
    assert _rules(find(objects, "ClusterRole", "devops-orchestrator-tasks")) == {
        ("batch", "jobs"): {"create", "patch"},  # worker Jobs run only where manifests/worker is
        ("", "pods/log"): {"get"},
        ("", "configmaps"): {"get", "list", "create", "update"},
        ("", "secrets"): {"get"},
    }
    worker_objects = render(kubectl_bin, MANIFESTS / "worker")
    binding = find(worker_objects, "RoleBinding", "devops-orchestrator-tasks")
    assert binding["roleRef"]["kind"] == "ClusterRole"
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "devops-orchestrator", "namespace": NAMESPACE}
    ]
    # manifests/worker carries no namespace: `kubectl apply -k manifests/worker -n NS`.
    for obj in worker_objects:
        assert "namespace" not in obj["metadata"], obj["metadata"]


def test_namespaces_are_set_on_namespaced_objects_only(objects: list[dict[str, Any]]) -> None:
    for obj in objects:
        namespace = obj["metadata"].get("namespace")
        if obj["kind"] in CLUSTER_SCOPED:
            assert namespace is None, obj["metadata"]
        else:
            assert namespace == NAMESPACE, obj["metadata"]
    assert (
        find(objects, "Namespace", NAMESPACE)["metadata"]["labels"][
            "pod-security.kubernetes.io/enforce"
        ]
        == "restricted"
    )


def test_kopf_peering_crds_and_object(objects: list[dict[str, Any]]) -> None:
    for plural, scope in (("clusterkopfpeerings", "Cluster"), ("kopfpeerings", "Namespaced")):
        crd = find(objects, "CustomResourceDefinition", f"{plural}.kopf.dev")
        assert crd["spec"]["scope"] == scope
        assert [v["name"] for v in crd["spec"]["versions"]] == ["v1"]
    peering = find(objects, "ClusterKopfPeering", _config(objects)["DEVOPS_PEERING"])
    assert peering["apiVersion"] == "kopf.dev/v1"


def test_operator_deployment(objects: list[dict[str, Any]]) -> None:
    deployment = _deployment(objects)
    spec = deployment["spec"]
    assert spec["replicas"] == 2
    assert spec["selector"]["matchLabels"] == OPERATOR_LABELS
    pod = spec["template"]["spec"]
    assert pod["serviceAccountName"] == "devops-orchestrator"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    [container] = iter_containers(deployment)
    assert container["image"] == IMAGE
    assert container["command"] == ["python", "-m", "devops_orchestrator"]
    security = container["securityContext"]
    assert security["runAsUser"] == 10001
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    assert {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}} in pod["volumes"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"metrics": Settings().metrics_port, "health": Settings().health_port}
    for probe in ("startupProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "health"}
    # Readiness is honest about Redis (metrics server); liveness never depends on it.
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert set(container["resources"]) == {"requests", "limits"}
    env = {e["name"]: e for e in container["env"]}
    assert env["DEVOPS_NAMESPACE"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    assert env["ANTHROPIC_API_KEY"]["valueFrom"] == {
        "secretKeyRef": {"name": "anthropic-api-key", "key": "ANTHROPIC_API_KEY", "optional": True}
    }
    config, redis = container["envFrom"]
    assert config["configMapRef"]["name"].startswith("devops-orchestrator-config-")
    assert redis["secretRef"]["name"].startswith("devops-orchestrator-redis-")


def test_configmap_holds_only_real_settings(objects: list[dict[str, Any]]) -> None:
    data = _config(objects)
    fields = {f"DEVOPS_{name.upper()}" for name in Settings.model_fields}
    assert set(data) <= fields, set(data) - fields
    settings = Settings.model_validate(
        {k.removeprefix("DEVOPS_").lower(): v for k, v in data.items()}
    )
    assert settings.worker_image == IMAGE
    assert settings.peering == "devops-orchestrator"
    assert settings.redis_url == "" and "DEVOPS_REDIS_URL" not in data
    assert _redis_url(objects) == ""  # the URL may hold a password: a Secret
    assert data["DEVOPS_ANTHROPIC_SECRET_NAME"] == "anthropic-api-key"
    # A safety net only (Job events and deadlines trigger passes): the code's default, not
    # a poll that would cost every running task a pass every few seconds.
    default = Settings.model_fields["recheck_interval_seconds"].default
    assert settings.recheck_interval_seconds == default


def test_metrics_service_pdb_and_network_policies(objects: list[dict[str, Any]]) -> None:
    service = find(objects, "Service", "devops-orchestrator-metrics")
    assert service["spec"]["selector"] == OPERATOR_LABELS
    assert service["spec"]["ports"] == [
        {"name": "metrics", "port": 8080, "targetPort": "metrics", "protocol": "TCP"}
    ]
    pdb = find(objects, "PodDisruptionBudget", "devops-orchestrator")
    assert pdb["spec"] == {"minAvailable": 1, "selector": {"matchLabels": OPERATOR_LABELS}}
    policy = find(objects, "NetworkPolicy", "devops-orchestrator")["spec"]
    assert policy["podSelector"]["matchLabels"] == OPERATOR_LABELS
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    [ingress] = policy["ingress"]
    assert "from" not in ingress and {p["port"] for p in ingress["ports"]} == {"metrics", "health"}
    egress_ports = {p["port"] for rule in policy["egress"] for p in rule["ports"]}
    assert egress_ports == {53, 443, 6443, 6379}
    workers = find(objects, "NetworkPolicy", "devops-worker")["spec"]
    assert workers["podSelector"]["matchLabels"] == {
        c.LABEL_MANAGED_BY: c.MANAGED_BY,
        c.LABEL_COMPONENT: "worker",
    }
    assert workers["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in workers
    dns, public = workers["egress"]
    assert {p["port"] for p in dns["ports"]} == {53}
    assert {p["port"] for p in public["ports"]} == {443, 22}
    blocks = [peer["ipBlock"] for peer in public["to"]]
    assert {b["cidr"] for b in blocks} == {"0.0.0.0/0", "::/0"}
    ipv4 = next(b for b in blocks if b["cidr"] == "0.0.0.0/0")
    metadata = ipaddress.ip_address("169.254.169.254")
    assert any(metadata in ipaddress.ip_network(cut) for cut in ipv4["except"])
    for private in ("10.96.0.1", "172.20.0.5", "192.168.1.1", "127.0.0.1"):
        assert any(ipaddress.ip_address(private) in ipaddress.ip_network(c) for c in ipv4["except"])


def test_set_image_moves_operator_and_workers_together(kubectl_bin: Path, tmp_path: Path) -> None:
    """What `kustomize edit set image` writes, in an overlay: both images follow."""
    base = Path(*[".."] * len(tmp_path.parts[1:])) / MANIFESTS.relative_to("/")
    (tmp_path / "kustomization.yaml").write_text(
        f"resources: [{base}]\n"
        "images:\n"
        "  - name: ghcr.io/agentnet/devops-orchestrator\n"
        "    newName: registry.example.com/team/devops-orchestrator\n"
        "    newTag: 1.2.3\n"
    )
    objects = render(kubectl_bin, tmp_path)
    new = "registry.example.com/team/devops-orchestrator:1.2.3"
    [container] = iter_containers(_deployment(objects))
    assert container["image"] == new
    assert _config(objects)["DEVOPS_WORKER_IMAGE"] == new


def test_with_redis_overlay_brings_redis_and_points_the_operator_at_it(
    kubectl_bin: Path,
) -> None:
    objects = render(kubectl_bin, MANIFESTS / "overlays" / "with-redis")
    assert _redis_url(objects) == "redis://redis:6379/0"
    redis = find(objects, "Deployment", "redis")
    [container] = iter_containers(redis)
    assert container["command"][:3] == ["redis-server", "--port", "6379"]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    service = find(objects, "Service", "redis")
    assert service["spec"]["ports"][0]["port"] == 6379
    policy = find(objects, "NetworkPolicy", "redis")["spec"]
    assert policy["ingress"][0]["from"] == [{"podSelector": {"matchLabels": OPERATOR_LABELS}}]
    assert len(objects) == len(render(kubectl_bin, MANIFESTS)) + 3


def test_local_overlay_runs_one_replica_against_loopback_redis(kubectl_bin: Path) -> None:
    objects = render(kubectl_bin, MANIFESTS / "overlays" / "local")
    assert _deployment(objects)["spec"]["replicas"] == 1
    data = _config(objects)
    assert _redis_url(objects).startswith("redis://127.0.0.1:")
    assert float(data["DEVOPS_RECHECK_INTERVAL_SECONDS"]) <= 1
