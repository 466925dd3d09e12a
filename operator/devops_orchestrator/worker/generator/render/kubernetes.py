"""Kubernetes manifests under `k8s/`: Namespace (restricted pod security), Deployment
(probes on the real port and path, resources, restricted security context), Service,
NetworkPolicy, optional Ingress and HPA, kustomization. Every object names its namespace
(checkov CKV_K8S_21: nothing lands in `default`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devops_orchestrator.worker.generator.render.common import header, with_assumptions
from devops_orchestrator.worker.generator.render.image import image_repository
from devops_orchestrator.worker.generator.render.stacks import renderer_for
from devops_orchestrator.worker.generator.render.yamltext import dump_yaml
from devops_orchestrator.worker.generator.stack import Stack

NAME_LABEL = "app.kubernetes.io/name"
HIGH_UID = 10000  # checkov CKV_K8S_40: users below may collide with the node's
# Accepted checkov findings, as checkov's own skip annotations (the reason may hold no "=").
IMAGE_PIN_SKIPS = {
    "checkov.io/skip1": "CKV_K8S_14=the CI deploy job sets the image to the commit's sha- tag",
    "checkov.io/skip2": "CKV_K8S_43=the CI deploy job sets the image to the commit's sha- tag",
}


@dataclass(frozen=True)
class ClusterPlan:
    image: str
    user_id: int
    ingress: bool
    scaling: bool
    namespace: str = ""
    host: str = ""


def deploy_namespace(stack: Stack, requested: str) -> str:
    """The namespace the task names, else one named after the app (never `default`)."""
    return requested or stack.app_name


def render_manifests(stack: Stack, plan: ClusterPlan) -> dict[str, str]:
    """k8s/<file> -> text."""
    namespace = deploy_namespace(stack, plan.namespace)
    objects: dict[str, dict[str, Any]] = {
        "namespace.yaml": _namespace(namespace),
        "deployment.yaml": _deployment(stack, plan),
        "service.yaml": _service(stack),
        "networkpolicy.yaml": _network_policy(stack),
    }
    if plan.ingress:
        objects["ingress.yaml"] = _ingress(stack, plan)
    if plan.scaling:
        objects["hpa.yaml"] = _hpa(stack)
    for name, obj in objects.items():
        if name != "namespace.yaml":
            obj["metadata"]["namespace"] = namespace
    files = {f"k8s/{name}": header() + dump_yaml(obj) for name, obj in objects.items()}
    files["k8s/deployment.yaml"] = with_assumptions(files["k8s/deployment.yaml"], stack)
    files["k8s/kustomization.yaml"] = header() + dump_yaml(_kustomization(stack, plan, objects))
    return files


def _namespace(name: str) -> dict[str, Any]:
    restricted = {
        f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "warn")
    }
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": restricted},
    }


def _network_policy(stack: Stack) -> dict[str, Any]:
    """Only the application port is reachable; other ingress to the pods is denied."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _metadata(stack),
        "spec": {
            "podSelector": {"matchLabels": {NAME_LABEL: stack.app_name}},
            "policyTypes": ["Ingress"],
            "ingress": [{"ports": [{"protocol": "TCP", "port": stack.port}]}],
        },
    }


def _metadata(stack: Stack) -> dict[str, Any]:
    return {"name": stack.app_name, "labels": {NAME_LABEL: stack.app_name}}


def _probe(stack: Stack, initial: int, period: int, failures: int) -> dict[str, Any]:
    check: dict[str, Any] = (
        {"httpGet": {"path": stack.health_path, "port": "http"}}
        if stack.health_path
        else {"tcpSocket": {"port": "http"}}
    )
    return {
        **check,
        "initialDelaySeconds": initial,
        "periodSeconds": period,
        "timeoutSeconds": 3,
        "failureThreshold": failures,
    }


def _resources(stack: Stack) -> dict[str, Any]:
    renderer = renderer_for(stack.kind)
    if renderer is not None and renderer.large_memory:
        return {
            "requests": {"cpu": "250m", "memory": "384Mi"},
            "limits": {"cpu": "1", "memory": "768Mi"},
        }
    return {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "500m", "memory": "256Mi"},
    }


def _annotations(plan: ClusterPlan) -> dict[str, str]:
    annotations = dict(IMAGE_PIN_SKIPS)
    if plan.user_id < HIGH_UID:
        annotations["checkov.io/skip3"] = (
            f"CKV_K8S_40=the image's own unprivileged user (uid {plan.user_id}) owns its files"
        )
    return annotations


def _deployment(stack: Stack, plan: ClusterPlan) -> dict[str, Any]:
    renderer = renderer_for(stack.kind)
    port_variable = renderer.port_variable(stack) if renderer else "PORT"
    container: dict[str, Any] = {
        "name": stack.app_name,
        "image": plan.image,
        "imagePullPolicy": "Always",
        "ports": [{"name": "http", "containerPort": stack.port, "protocol": "TCP"}],
        "env": [{"name": port_variable, "value": str(stack.port)}],
        "startupProbe": _probe(stack, 0, 5, 30),
        "readinessProbe": _probe(stack, 0, 10, 3),
        "livenessProbe": _probe(stack, 0, 20, 3),
        "resources": _resources(stack),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {**_metadata(stack), "annotations": _annotations(plan)},
        "spec": {
            "replicas": 2,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": {NAME_LABEL: stack.app_name}},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
            },
            "template": {
                "metadata": {"labels": {NAME_LABEL: stack.app_name}},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": plan.user_id,
                        "runAsGroup": plan.user_id,
                        "fsGroup": plan.user_id,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [container],
                    "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
                },
            },
        },
    }


def _service(stack: Stack) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(stack),
        "spec": {
            "type": "ClusterIP",
            "selector": {NAME_LABEL: stack.app_name},
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def _ingress(stack: Stack, plan: ClusterPlan) -> dict[str, Any]:
    host = plan.host or f"{stack.app_name}.example.com"
    metadata = _metadata(stack)
    metadata["annotations"] = {"cert-manager.io/cluster-issuer": "letsencrypt"}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata,
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": [host], "secretName": f"{stack.app_name}-tls"}],
            "rules": [
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {
                                    "service": {"name": stack.app_name, "port": {"name": "http"}}
                                },
                            }
                        ]
                    },
                }
            ],
        },
    }


def _hpa(stack: Stack) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": _metadata(stack),
        "spec": {
            "scaleTargetRef": {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": stack.app_name,
            },
            "minReplicas": 2,
            "maxReplicas": 10,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 70},
                    },
                }
            ],
        },
    }


def _kustomization(stack: Stack, plan: ClusterPlan, objects: dict[str, Any]) -> dict[str, Any]:
    repository = image_repository(plan.image)
    tag = plan.image.split("@", 1)[0][len(repository) + 1 :] or "latest"
    document: dict[str, Any] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
    }
    document["namespace"] = deploy_namespace(stack, plan.namespace)
    document["labels"] = [
        {
            "pairs": {
                "app.kubernetes.io/part-of": stack.app_name,
                "app.kubernetes.io/managed-by": "kustomize",
            }
        }
    ]
    document["resources"] = list(objects)
    document["images"] = [{"name": repository, "newTag": tag}]
    return document
