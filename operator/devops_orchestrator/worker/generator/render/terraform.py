"""`terraform/` for the cloud the task names: main.tf, variables.tf, outputs.tf.
Credentials come from the environment of whoever runs Terraform, never from files."""

from __future__ import annotations

from collections.abc import Callable

from devops_orchestrator.worker.generator.render.common import header
from devops_orchestrator.worker.generator.render.terraform_aws import aws_main, aws_outputs
from devops_orchestrator.worker.generator.render.terraform_azure import azure_main, azure_outputs
from devops_orchestrator.worker.generator.render.terraform_gcp import gcp_main, gcp_outputs
from devops_orchestrator.worker.generator.stack import Stack

CLOUDS: dict[str, tuple[Callable[[], str], Callable[[], str], dict[str, str], str]] = {
    # cloud: (main.tf, outputs.tf, region default and location variable name, target)
    "aws": (aws_main, aws_outputs, {"region": "eu-west-1"}, "eks"),
    "gcp": (gcp_main, gcp_outputs, {"region": "europe-west1"}, "gke"),
    "azure": (azure_main, azure_outputs, {"location": "westeurope"}, "aks"),
}


def _variable(name: str, kind: str, description: str, default: str | None) -> str:
    lines = [
        f'variable "{name}" {{\n',
        f"  type        = {kind}\n",
        f'  description = "{description}"\n',
    ]
    if default is not None:
        lines.append(f"  default     = {default}\n")
    lines.append("}\n")
    return "".join(lines)


def render_variables(cloud: str, stack: Stack) -> str:
    _, _, location, _ = CLOUDS[cloud]
    ((key, value),) = location.items()
    variables = [
        _variable(
            "app_name",
            "string",
            "Name of the application, used for every resource",
            f'"{stack.app_name}"',
        ),
        _variable(key, "string", "Where the resources are created", f'"{value}"'),
        _variable(
            "cluster_name",
            "string",
            "Name of the Kubernetes cluster",
            f'"{stack.app_name}-cluster"',
        ),
        _variable(
            "kubernetes_version", "string", "Kubernetes minor version of the cluster", '"1.31"'
        ),
        _variable("node_count", "number", "Nodes of the default node pool", "2"),
    ]
    if cloud == "aws":
        variables += [
            _variable("vpc_cidr", "string", "Address range of the VPC", '"10.40.0.0/16"'),
            _variable("node_instance_type", "string", "EC2 type of the nodes", '"t3.medium"'),
        ]
    if cloud == "gcp":
        variables.append(_variable("project_id", "string", "Google Cloud project id", None))
    if cloud == "azure":
        variables.append(
            _variable("node_vm_size", "string", "VM size of the nodes", '"Standard_D2s_v5"')
        )
    return header() + "\n".join(variables)


def render_terraform(cloud: str, stack: Stack) -> dict[str, str]:
    main, outputs, _, _ = CLOUDS[cloud]
    return {
        "terraform/main.tf": header() + main(),
        "terraform/variables.tf": render_variables(cloud, stack),
        "terraform/outputs.tf": header() + outputs(),
    }
