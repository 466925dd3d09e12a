"""docker-worker: Dockerfile, .dockerignore, compose.yaml and, when asked, compose.prod.yaml."""

from __future__ import annotations

from collections.abc import Mapping

from devops_orchestrator.models import WorkerResult
from devops_orchestrator.worker.engine import EngineError
from devops_orchestrator.worker.generator.detect.hints import Hints
from devops_orchestrator.worker.generator.render.common import with_assumptions
from devops_orchestrator.worker.generator.render.compose import (
    render_compose_dev,
    render_compose_prod,
)
from devops_orchestrator.worker.generator.render.dockerfile import plan_dockerfile
from devops_orchestrator.worker.generator.render.dockerignore import render_dockerignore
from devops_orchestrator.worker.generator.render.image import image_reference
from devops_orchestrator.worker.generator.stack import Stack
from devops_orchestrator.worker.generator.workers import WorkerOutput
from devops_orchestrator.worker.validators.consistency.dockerfile import dockerfile_facts
from devops_orchestrator.worker.validators.consistency.facts import COMMAND


def generate_docker(
    stack: Stack, hints: Hints, previous: Mapping[str, WorkerResult]
) -> WorkerOutput:
    plan = plan_dockerfile(stack)
    if plan is None:
        raise EngineError(
            "the generator could not recognise the application (no package.json, "
            "requirements.txt, pyproject.toml, Pipfile, go.mod, pom.xml, build.gradle, "
            "Cargo.toml, *.csproj, composer.json, Gemfile or index.html in the workspace or "
            "a service folder, and no project_type in the context)"
        )
    image = image_reference(stack.app_name, hints, previous)
    folder = f"{stack.root}/" if stack.root else ""  # a monorepo's service folder
    files = {
        f"{folder}Dockerfile": with_assumptions(plan.text, stack),
        f"{folder}.dockerignore": render_dockerignore(stack),
        "compose.yaml": render_compose_dev(stack, plan, hints),
    }
    if hints.wants_production:
        files["compose.prod.yaml"] = render_compose_prod(stack, plan, hints, image)
    security = [
        f"final stage runs as non-root user {plan.user_id}",
        f"pinned base image {plan.base_image}",
        ".dockerignore keeps .git, .env files and keys out of the build context",
        "build-time secrets only through BuildKit secret mounts (none are needed now)",
        *plan.notes,
    ]
    if plan.build_image:
        security.append(
            f"multi-stage build: the toolchain ({plan.build_image}) stays out of the final image"
        )
    health = stack.health_path or None
    command = [f.value for f in dockerfile_facts("Dockerfile", plan.text) if f.kind == COMMAND]
    fields = {
        "docker_config": {
            "stack": stack.label,
            "base_image": plan.base_image,
            "build_image": plan.build_image or None,
            "image": image,
            "port": stack.port,
            "port_source": stack.port_source,
            "health_endpoint": health,
            "healthcheck": plan.healthcheck,
            "start_command": command[0] if command else None,
            "user": plan.user_id,
        },
        "build_commands": [
            f"DOCKER_BUILDKIT=1 docker build -t {image} {stack.root or '.'}",
            f"docker run --rm -p {stack.port}:{stack.port} {image}",
            "docker compose up --build",
            f"docker push {image}",
        ],
        "security_notes": security,
        "deployment_info": {"image": image},
    }
    summary = (
        f"Containerized the {stack.label} app '{stack.app_name}': "
        + ("multi-stage " if plan.build_image else "")
        + f"Dockerfile on "
        f"{plan.base_image} listening on {stack.port}"
        + (f" with a health check on {health}" if plan.healthcheck else "")
        + f", .dockerignore and {', '.join(f for f in files if f.startswith('compose'))}."
    )
    return WorkerOutput(files=files, summary=summary, fields=fields)
