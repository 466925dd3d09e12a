"""`.gitlab-ci.yml`: lint, test, build, image (Docker-in-Docker with a registry cache) and
deploy stages, with credentials from GitLab's masked CI/CD variables."""

from __future__ import annotations

from typing import Any

from devops_orchestrator.worker.generator.render.ci_stack import CiCommands
from devops_orchestrator.worker.generator.render.common import header
from devops_orchestrator.worker.generator.render.github_actions import PipelinePlan
from devops_orchestrator.worker.generator.render.yamltext import dump_yaml
from devops_orchestrator.worker.generator.stack import Stack

DOCKER = "docker:27.3"
KUBECTL = "bitnami/kubectl:1.31"
DEFAULT_BRANCH = "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"


def render_gitlab_ci(
    stack: Stack, commands: CiCommands, plan: PipelinePlan
) -> tuple[str, list[str], list[str]]:
    folder = [f"cd {stack.root}"] if stack.root else []  # a monorepo's service folder
    before = [*folder, *([commands.install] if commands.install else [])]
    jobs: dict[str, Any] = {}
    if commands.lint:
        jobs["lint"] = {
            "stage": "lint",
            "image": commands.image,
            "before_script": before,
            "script": commands.lint,
        }
    if commands.test:
        jobs["test"] = {
            "stage": "test",
            "image": commands.image,
            "before_script": before,
            "script": [commands.test],
        }
    if commands.build:
        jobs["build"] = {
            "stage": "build",
            "image": commands.image,
            "before_script": before,
            "script": [commands.build],
        }
    # Not "image": a top-level `image:` is GitLab's default image, not a job.
    jobs["container-image"] = {
        "stage": "image",
        "image": DOCKER,
        "services": [f"{DOCKER}-dind"],
        "variables": {"DOCKER_TLS_CERTDIR": "/certs"},
        "script": [
            'echo "$REGISTRY_PASSWORD" | docker login -u "$REGISTRY_USER" --password-stdin '
            f'"{plan.registry}"',
            'docker pull "$IMAGE:latest" || true',
            'docker build --cache-from "$IMAGE:latest" -t "$IMAGE:$CI_COMMIT_SHORT_SHA" '
            f'-t "$IMAGE:latest" {stack.root or "."}',
            'docker push "$IMAGE:$CI_COMMIT_SHORT_SHA"',
            'docker push "$IMAGE:latest"',
        ],
        "rules": [{"if": DEFAULT_BRANCH}],
    }
    secrets = ["REGISTRY_USER", "REGISTRY_PASSWORD"]
    if plan.deploy:
        namespace = f" --namespace {plan.namespace}" if plan.namespace else ""
        app = stack.app_name
        jobs["deploy"] = {
            "stage": "deploy",
            "image": {"name": KUBECTL, "entrypoint": [""]},
            "environment": {"name": "production"},
            "script": [
                'export KUBECONFIG="$KUBE_CONFIG_FILE"',
                "kubectl apply -k k8s",
                f"kubectl{namespace} set image deployment/{app} "
                f'{app}="$IMAGE:$CI_COMMIT_SHORT_SHA"',
                f"kubectl{namespace} rollout status deployment/{app} --timeout=180s",
            ],
            "rules": [{"if": DEFAULT_BRANCH}],
        }
        secrets.append("KUBE_CONFIG_FILE")
    for job in jobs.values():
        if not job.get("before_script"):
            job.pop("before_script", None)
    stages = [
        s
        for s in ("lint", "test", "build", "image", "deploy")
        if any(j["stage"] == s for j in jobs.values())
    ]
    document = {"stages": stages, "variables": {"IMAGE": plan.repository}, **jobs}
    return header() + dump_yaml(document), list(jobs), secrets
