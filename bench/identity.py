"""The operator's own identity in the scale benchmark, so that the API server counts its
requests apart from everybody else's.

kube-apiserver's request counters carry no client label, but API Priority and Fairness
does: every request is classified by a FlowSchema, and
`apiserver_flowcontrol_dispatched_requests_total` is labelled with it. The operator runs
as a ServiceAccount of its own (a token kubeconfig) that one FlowSchema of ours matches;
the other clients keep the built-in schemas (controllers, scheduler, and the admin
certificate that KWOK, the node agent and the harness share: `exempt`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kubernetes import client as k8s

from bench.stack import Stack
from devcluster.kubeconfig import build_kubeconfig, token_user, write_kubeconfig
from devcluster.state import ClusterPaths

SERVICE_ACCOUNT = "devops-orchestrator-bench"
FLOW_SCHEMA = "bench-operator"
# Before every built-in schema but `exempt` (1); a normal, queued priority level, as the
# operator would have in a real cluster.
FLOW_PRECEDENCE = 500
PRIORITY_LEVEL = "workload-high"
TOKEN_SECONDS = 24 * 3600


# The operator's requests by verb and resource: one schema each, matched before the
# catch-all one (same priority level, so nothing changes but the label). Its schemas'
# names start with FLOW_SCHEMA; what none of these names lands in FLOW_SCHEMA itself.
COUNTED_VERBS = ("get", "list", "watch", "create", "update", "patch", "delete")
COUNTED_RESOURCES = (
    "devopstasks",
    "devopstasks/status",
    "jobs",
    "pods",
    "pods/log",
    "configmaps",
    "events",
    "kopfpeerings",
)


def counted_flow_name(verb: str, resource: str) -> str:
    return f"{FLOW_SCHEMA}-{verb}-{resource.replace('/', '.')}"


def build_flow_schemas(namespace: str) -> list[dict[str, Any]]:
    """The catch-all schema and one per counted verb and resource."""
    counted = [
        build_flow_schema(namespace, counted_flow_name(verb, resource), verb, resource)
        for verb in COUNTED_VERBS
        for resource in COUNTED_RESOURCES
    ]
    return [build_flow_schema(namespace), *counted]


def build_flow_schema(
    namespace: str, name: str = FLOW_SCHEMA, verb: str = "*", resource: str = "*"
) -> dict[str, Any]:
    counted = verb != "*"
    catch_all_urls = {"verbs": ["*"], "nonResourceURLs": ["*"]}
    rule: dict[str, Any] = {
        "verbs": [verb],
        "apiGroups": ["*"],
        "resources": [resource],
        "clusterScope": True,
        "namespaces": ["*"],
    }
    return {
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1",
        "kind": "FlowSchema",
        "metadata": {"name": name},
        "spec": {
            "matchingPrecedence": FLOW_PRECEDENCE - 1 if counted else FLOW_PRECEDENCE,
            "priorityLevelConfiguration": {"name": PRIORITY_LEVEL},
            "distinguisherMethod": {"type": "ByUser"},
            "rules": [
                {
                    "subjects": [
                        {
                            "kind": "ServiceAccount",
                            "serviceAccount": {"name": SERVICE_ACCOUNT, "namespace": namespace},
                        }
                    ],
                    "resourceRules": [rule],
                    **({} if counted else {"nonResourceRules": [catch_all_urls]}),
                }
            ],
        },
    }


def build_binding(namespace: str) -> dict[str, Any]:
    """cluster-admin: the benchmark measures the operator's traffic, not its RBAC (which
    the deploy tests check against `manifests/`)."""
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": SERVICE_ACCOUNT},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "cluster-admin",
        },
        "subjects": [{"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": namespace}],
    }


def create_operator_identity(
    api: k8s.ApiClient, namespace: str, server: str, ca: Path, out: Path
) -> Path:
    """ServiceAccount, binding, FlowSchema and a token kubeconfig at `out`."""
    core = k8s.CoreV1Api(api)
    core.create_namespaced_service_account(namespace, {"metadata": {"name": SERVICE_ACCOUNT}})  # type: ignore[arg-type]
    k8s.RbacAuthorizationV1Api(api).create_cluster_role_binding(build_binding(namespace))  # type: ignore[arg-type]
    flows = k8s.FlowcontrolApiserverV1Api(api)
    for schema in build_flow_schemas(namespace):
        flows.create_flow_schema(schema)  # type: ignore[arg-type]
    request = {"spec": {"expirationSeconds": TOKEN_SECONDS}}  # the API server's audiences
    made: Any = core.create_namespaced_service_account_token(SERVICE_ACCOUNT, namespace, request)  # type: ignore[arg-type]
    write_kubeconfig(out, build_kubeconfig(server, ca, token_user(str(made.status.token))))
    return out


def use_operator_identity(stack: Stack) -> Path:
    """The operator of `stack` runs as its own identity from its next start on."""
    stack.operator_kubeconfig = create_operator_identity(
        stack.kube(),
        stack.namespace,
        stack.kube().configuration.host,
        ClusterPaths(stack.state_dir.resolve()).cert("ca"),
        stack.dir / "operator.kubeconfig",
    )
    return stack.operator_kubeconfig
