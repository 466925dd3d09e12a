"""Choosing the Dockerfile renderer for a stack."""

from __future__ import annotations

from collections.abc import Callable

from devops_orchestrator.worker.generator.render.common import DockerfilePlan
from devops_orchestrator.worker.generator.render.docker_go import render_go_dockerfile
from devops_orchestrator.worker.generator.render.docker_java import render_java_dockerfile
from devops_orchestrator.worker.generator.render.docker_node import render_node_dockerfile
from devops_orchestrator.worker.generator.render.docker_python import render_python_dockerfile
from devops_orchestrator.worker.generator.render.docker_rust import render_rust_dockerfile
from devops_orchestrator.worker.generator.render.docker_static import render_static_dockerfile
from devops_orchestrator.worker.generator.stack import Stack

RENDERERS: dict[str, Callable[[Stack], DockerfilePlan]] = {
    "node": render_node_dockerfile,
    "python": render_python_dockerfile,
    "go": render_go_dockerfile,
    "java": render_java_dockerfile,
    "rust": render_rust_dockerfile,
    "static": render_static_dockerfile,
}


def plan_dockerfile(stack: Stack) -> DockerfilePlan | None:
    """None for a stack the generator does not know."""
    renderer = RENDERERS.get(stack.kind)
    return renderer(stack) if renderer else None
