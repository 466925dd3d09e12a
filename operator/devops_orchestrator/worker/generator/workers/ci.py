"""ci-worker: GitHub Actions by default, GitLab CI or a Jenkinsfile when the task names them."""

from __future__ import annotations

from collections.abc import Mapping

from devops_orchestrator.models import WorkerResult
from devops_orchestrator.worker.generator.detect.hints import Hints
from devops_orchestrator.worker.generator.render.ci_stack import ci_commands
from devops_orchestrator.worker.generator.render.github_actions import (
    PipelinePlan,
    render_github_actions,
)
from devops_orchestrator.worker.generator.render.gitlab_ci import render_gitlab_ci
from devops_orchestrator.worker.generator.render.image import image_reference
from devops_orchestrator.worker.generator.render.jenkinsfile import render_jenkinsfile
from devops_orchestrator.worker.generator.render.kubernetes import deploy_namespace
from devops_orchestrator.worker.generator.stack import Stack
from devops_orchestrator.worker.generator.workers import WorkerOutput

PROVIDERS = {
    "github": (".github/workflows/ci.yml", "github-actions", render_github_actions),
    "gitlab": (".gitlab-ci.yml", "gitlab-ci", render_gitlab_ci),
    "jenkins": ("Jenkinsfile", "jenkins", render_jenkinsfile),
}


def infrastructure_planned(hints: Hints, previous: Mapping[str, WorkerResult]) -> bool:
    """Deploy when the infra-worker ran before us (or wrote manifests) or the task asks."""
    if "infra-worker" in previous:
        return True
    for result in previous.values():
        if any(f.startswith("k8s/") for f in [*result.files_created, *result.files_modified]):
            return True
    return hints.mentions("kubernetes", "k8s")


def generate_ci(stack: Stack, hints: Hints, previous: Mapping[str, WorkerResult]) -> WorkerOutput:
    path, provider, render = PROVIDERS[hints.ci_provider]
    plan = PipelinePlan(
        image=image_reference(stack.app_name, hints, previous),
        deploy=infrastructure_planned(hints, previous),
        namespace=deploy_namespace(stack, hints.namespace),
    )
    commands = ci_commands(stack)
    text, jobs, secrets = render(stack, commands, plan)
    fields = {
        "ci_pipeline": {
            "provider": provider,
            "file": path,
            "jobs": jobs,
            "secrets": secrets,
            "image": plan.repository,
            "registry": plan.registry,
            "deploy": plan.deploy,
        },
        "deployment_info": {"ci_pipeline": path, "image": plan.image},
    }
    summary = (
        f"{provider} pipeline for the {stack.label} app '{stack.app_name}' in {path}: "
        f"{', '.join(jobs)}; the image goes to {plan.repository}"
        + (" and deploys the k8s/ manifests from the main branch." if plan.deploy else ".")
    )
    return WorkerOutput(files={path: text}, summary=summary, fields=fields)
