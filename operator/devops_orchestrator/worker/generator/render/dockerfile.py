"""Choosing the Dockerfile renderer for a stack (see `stacks.py`)."""

from __future__ import annotations

from devops_orchestrator.worker.generator.render.common import DockerfilePlan
from devops_orchestrator.worker.generator.render.stacks import renderer_for
from devops_orchestrator.worker.generator.stack import Stack


def plan_dockerfile(stack: Stack) -> DockerfilePlan | None:
    """None for a stack the generator does not know."""
    renderer = renderer_for(stack.kind)
    return renderer.dockerfile(stack) if renderer else None
