"""infra-worker: Kubernetes manifests under k8s/ and, when a cloud is named, terraform/."""

from __future__ import annotations

from collections.abc import Mapping

from devops_orchestrator.models import WorkerResult
from devops_orchestrator.worker.generator.detect.hints import Hints
from devops_orchestrator.worker.generator.render.dockerfile import plan_dockerfile
from devops_orchestrator.worker.generator.render.image import image_reference
from devops_orchestrator.worker.generator.render.kubernetes import (
    ClusterPlan,
    deploy_namespace,
    render_manifests,
)
from devops_orchestrator.worker.generator.render.terraform import CLOUDS, render_terraform
from devops_orchestrator.worker.generator.stack import Stack
from devops_orchestrator.worker.generator.workers import WorkerOutput

DEFAULT_UID = 10001


def generate_infra(
    stack: Stack, hints: Hints, previous: Mapping[str, WorkerResult]
) -> WorkerOutput:
    docker = plan_dockerfile(stack)
    plan = ClusterPlan(
        image=image_reference(stack.app_name, hints, previous),
        user_id=docker.user_id if docker else DEFAULT_UID,
        ingress=hints.wants_ingress,
        scaling=hints.wants_scaling,
        namespace=hints.namespace,
        host=hints.domain,
    )
    files = render_manifests(stack, plan)
    manifests = sorted(files)
    target = "kubernetes"
    if hints.cloud in CLOUDS:
        files.update(render_terraform(hints.cloud, stack))
        target = f"kubernetes ({CLOUDS[hints.cloud][3]})"
    probe = f"HTTP {stack.health_path}" if stack.health_path else "TCP"
    fields = {
        "manifests": manifests,
        "terraform": sorted(f for f in files if f.startswith("terraform/")),
        "deployment_info": {
            "deploy_target": target,
            "image": plan.image,
            "namespace": deploy_namespace(stack, plan.namespace),
            "cloud": hints.cloud or None,
            "apply_command": "kubectl apply -k k8s",
        },
        "infra_config": {
            "port": stack.port,
            "probe": probe,
            "run_as_user": plan.user_id,
            "ingress": plan.ingress,
            "autoscaling": plan.scaling,
        },
    }
    extras = [name for name, on in (("Ingress", plan.ingress), ("HPA", plan.scaling)) if on]
    summary = (
        f"Kubernetes manifests for '{stack.app_name}' in k8s/ (Deployment with {probe} probes "
        f"on port {stack.port}, Service{''.join(', ' + e for e in extras)}, kustomization)"
        + (f" and Terraform for {hints.cloud.upper()} in terraform/." if hints.cloud else ".")
    )
    return WorkerOutput(files=files, summary=summary, fields=fields)
