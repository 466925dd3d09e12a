"""A static site: unprivileged nginx serving the files."""

from __future__ import annotations

from devops_orchestrator.worker.generator.render.common import (
    CiCommands,
    DockerfilePlan,
    StackRenderer,
    header,
    serving_lines,
    wget_probe,
)
from devops_orchestrator.worker.generator.render.spa import NGINX_IMAGE, NGINX_UID
from devops_orchestrator.worker.generator.stack import Stack


def render_static_dockerfile(stack: Stack) -> DockerfilePlan:
    root = stack.entry or "."
    source = "." if root == "." else f"{root}/"
    probe = wget_probe(stack) if stack.health_path else []
    lines = [
        "# syntax=docker/dockerfile:1\n",
        header(),
        "# Static site: nginx as an unprivileged user; .dockerignore keeps build files out.\n",
        f"FROM {NGINX_IMAGE}\n",
        f"COPY {source} /usr/share/nginx/html/\n",
        *serving_lines(stack, str(NGINX_UID), probe),
    ]
    return DockerfilePlan(
        "".join(lines), NGINX_IMAGE, "", NGINX_UID, healthcheck=bool(probe), probe=probe
    )


def static_ci(stack: Stack) -> CiCommands:
    return CiCommands(image="alpine:3.20", lint=[f'test -f "{stack.entry or "."}/index.html"'])


RENDERER = StackRenderer(
    kinds=("static",),
    dockerfile=render_static_dockerfile,
    ci=static_ci,
    dockerignore=("# Static site", "node_modules", "*.md"),
)
