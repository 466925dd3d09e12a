"""`.github/workflows/ci.yml`: checks, image build and push with Buildx and a cache, and a
deploy job when the plan has infrastructure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devops_orchestrator.worker.generator.render.ci_stack import CiCommands
from devops_orchestrator.worker.generator.render.common import header
from devops_orchestrator.worker.generator.render.image import image_repository, registry_host
from devops_orchestrator.worker.generator.render.yamltext import dump_yaml
from devops_orchestrator.worker.generator.stack import Stack

RUNNER = "ubuntu-24.04"
PUSHES = "github.event_name != 'pull_request'"


@dataclass(frozen=True)
class PipelinePlan:
    """What any CI renderer needs besides the stack."""

    image: str
    deploy: bool
    namespace: str = ""
    branch: str = "main"

    @property
    def repository(self) -> str:
        return image_repository(self.image)

    @property
    def registry(self) -> str:
        return registry_host(self.image)


def render_github_actions(
    stack: Stack, commands: CiCommands, plan: PipelinePlan
) -> tuple[str, list[str], list[str]]:
    """The workflow text, its job names and the secrets it reads."""
    secrets: list[str] = []
    jobs: dict[str, Any] = {"check": _check_job(stack, commands)}
    jobs["image"], image_secrets = _image_job(plan, stack.root or ".")
    secrets += image_secrets
    if plan.deploy:
        jobs["deploy"] = _deploy_job(stack, plan)
        secrets.append("KUBE_CONFIG")
    workflow: dict[str, Any] = {
        "name": "CI",
        "on": {"push": {"branches": [plan.branch]}, "pull_request": None},
        "permissions": {"contents": "read"},
        "concurrency": {"group": "ci-${{ github.ref }}", "cancel-in-progress": True},
        "env": {"IMAGE": plan.repository},
        "jobs": jobs,
    }
    text = dump_yaml(workflow).replace("pull_request: null", "pull_request:")
    text = text.replace("'on':", "on:", 1)
    return header() + text, list(jobs), secrets


def _run(name: str, script: str) -> dict[str, Any]:
    return {"name": name, "run": script}


_FILE_INPUTS = ("cache-dependency-path", "go-version-file")


def _in_folder(step: dict[str, Any], folder: str) -> dict[str, Any]:
    """A setup step whose file inputs point into the service folder of a monorepo."""
    inputs = step.get("with")
    if not folder or not isinstance(inputs, dict):
        return step
    moved = {k: f"{folder}/{v}" if k in _FILE_INPUTS else v for k, v in inputs.items()}
    return {**step, "with": moved}


def _check_job(stack: Stack, commands: CiCommands) -> dict[str, Any]:
    setup = [_in_folder(step, stack.root) for step in commands.setup]
    steps: list[dict[str, Any]] = [{"uses": "actions/checkout@v4"}, *setup]
    if commands.install:
        steps.append(_run("Install dependencies", commands.install))
    steps += [_run("Lint", lint) for lint in commands.lint if lint]
    if commands.test:
        steps.append(_run("Test", commands.test))
    if commands.build:
        steps.append(_run("Build", commands.build))
    job: dict[str, Any] = {
        "name": f"Lint, test and build ({stack.label})",
        "runs-on": RUNNER,
        "timeout-minutes": 20,
    }
    if stack.root:
        job["defaults"] = {"run": {"working-directory": stack.root}}
    return {**job, "steps": steps}


def _image_job(plan: PipelinePlan, context: str) -> tuple[dict[str, Any], list[str]]:
    registry = plan.registry
    login: list[dict[str, Any]]
    permissions = {"contents": "read"}
    if registry == "ghcr.io":
        permissions["packages"] = "write"
        login = [
            {
                "name": "Log in to GitHub Container Registry",
                "if": PUSHES,
                "uses": "docker/login-action@v3",
                "with": {
                    "registry": "ghcr.io",
                    "username": "${{ github.actor }}",
                    "password": "${{ secrets.GITHUB_TOKEN }}",
                },
            }
        ]
        secrets: list[str] = []
    elif registry.endswith(".amazonaws.com"):
        permissions["id-token"] = "write"
        region = registry.split(".")[3] if registry.count(".") >= 5 else "us-east-1"
        login = [
            {
                "name": "Configure AWS credentials",
                "if": PUSHES,
                "uses": "aws-actions/configure-aws-credentials@v4",
                "with": {"role-to-assume": "${{ secrets.AWS_ROLE_ARN }}", "aws-region": region},
            },
            {
                "name": "Log in to Amazon ECR",
                "if": PUSHES,
                "uses": "aws-actions/amazon-ecr-login@v2",
            },
        ]
        secrets = ["AWS_ROLE_ARN"]
    else:
        login = [
            {
                "name": "Log in to the registry",
                "if": PUSHES,
                "uses": "docker/login-action@v3",
                "with": {
                    "registry": registry,
                    "username": "${{ secrets.REGISTRY_USERNAME }}",
                    "password": "${{ secrets.REGISTRY_PASSWORD }}",
                },
            }
        ]
        secrets = ["REGISTRY_USERNAME", "REGISTRY_PASSWORD"]
    steps: list[dict[str, Any]] = [
        {"uses": "actions/checkout@v4"},
        {"name": "Set up Docker Buildx", "uses": "docker/setup-buildx-action@v3"},
        *login,
        {
            "name": "Image tags",
            "id": "meta",
            "uses": "docker/metadata-action@v5",
            "with": {
                "images": "${{ env.IMAGE }}",
                "tags": "type=sha\ntype=ref,event=branch\ntype=ref,event=pr\n"
                "type=raw,value=latest,enable={{is_default_branch}}\n",
            },
        },
        {
            "name": "Build and push",
            "uses": "docker/build-push-action@v6",
            "with": {
                "context": context,
                "push": f"${{{{ {PUSHES} }}}}",
                "tags": "${{ steps.meta.outputs.tags }}",
                "labels": "${{ steps.meta.outputs.labels }}",
                "cache-from": "type=gha",
                "cache-to": "type=gha,mode=max",
            },
        },
    ]
    job = {
        "name": "Build and push the image",
        "needs": "check",
        "runs-on": RUNNER,
        "timeout-minutes": 30,
        "permissions": permissions,
        "steps": steps,
    }
    return job, secrets


def _deploy_job(stack: Stack, plan: PipelinePlan) -> dict[str, Any]:
    namespace = f" --namespace {plan.namespace}" if plan.namespace else ""
    app = stack.app_name
    kubeconfig = (
        'mkdir -p "$HOME/.kube"\n'
        'printf \'%s\' "$KUBE_CONFIG" | base64 -d > "$HOME/.kube/config"\n'
        'chmod 600 "$HOME/.kube/config"\n'
    )
    deploy = (
        "kubectl apply -k k8s\n"
        f'kubectl{namespace} set image deployment/{app} {app}="$IMAGE:sha-${{GITHUB_SHA::7}}"\n'
        f"kubectl{namespace} rollout status deployment/{app} --timeout=180s\n"
    )
    return {
        "name": "Deploy to Kubernetes",
        "needs": "image",
        "if": f"github.ref == 'refs/heads/{plan.branch}' && github.event_name == 'push'",
        "runs-on": RUNNER,
        "timeout-minutes": 15,
        "environment": "production",
        "steps": [
            {"uses": "actions/checkout@v4"},
            {"name": "Set up kubectl", "uses": "azure/setup-kubectl@v4"},
            {
                "name": "Configure cluster access",
                "env": {"KUBE_CONFIG": "${{ secrets.KUBE_CONFIG }}"},
                "run": kubeconfig,
            },
            _run("Apply manifests and roll out the new image", deploy),
        ],
    }
