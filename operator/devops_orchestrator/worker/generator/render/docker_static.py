"""Dockerfile for a static site: unprivileged nginx serving the files."""

from __future__ import annotations

from devops_orchestrator.worker.generator.render.common import (
    DockerfilePlan,
    header,
    wget_healthcheck,
)
from devops_orchestrator.worker.generator.stack import Stack

IMAGE = "nginxinc/nginx-unprivileged:1.27-alpine"
NGINX_UID = 101


def render_static_dockerfile(stack: Stack) -> DockerfilePlan:
    root = stack.entry or "."
    source = "." if root == "." else f"{root}/"
    lines = [
        "# syntax=docker/dockerfile:1\n",
        header(),
        "# Static site: nginx as an unprivileged user; .dockerignore keeps build files out.\n",
        f"FROM {IMAGE}\n",
        f"COPY {source} /usr/share/nginx/html/\n",
        f"USER {NGINX_UID}\n",
        f"EXPOSE {stack.port}\n",
    ]
    if stack.health_path:
        lines.append(wget_healthcheck(stack.port, stack.health_path))
    return DockerfilePlan("".join(lines), IMAGE, "", NGINX_UID, healthcheck=bool(stack.health_path))
