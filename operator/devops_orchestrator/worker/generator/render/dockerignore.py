"""`.dockerignore`: keep VCS data, host dependencies, build output and secrets out of the
build context."""

from __future__ import annotations

from devops_orchestrator.worker.generator.render.common import header
from devops_orchestrator.worker.generator.render.stacks import renderer_for
from devops_orchestrator.worker.generator.stack import Stack

_COMMON = [
    "# Version control and editors",
    ".git",
    ".gitignore",
    ".idea",
    ".vscode",
    "",
    "# Container, CI and infrastructure files are not part of the image",
    "Dockerfile*",
    ".dockerignore",
    "compose*.yaml",
    "compose*.yml",
    "docker-compose*",
    ".github",
    ".gitlab-ci.yml",
    "Jenkinsfile",
    "k8s",
    "terraform",
    "",
    "# Secrets and local settings never enter an image",
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "",
]


def render_dockerignore(stack: Stack) -> str:
    renderer = renderer_for(stack.kind)
    lines = [*_COMMON, *(renderer.dockerignore if renderer else ())]
    return header() + "\n".join(lines) + "\n"
