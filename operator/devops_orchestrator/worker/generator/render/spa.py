"""The runtime stage of a single-page app: unprivileged nginx serving the built files,
with a fallback to index.html for client-side routes."""

from __future__ import annotations

from devops_orchestrator.worker.generator.render.common import (
    DockerfilePlan,
    serving_lines,
    wget_probe,
)
from devops_orchestrator.worker.generator.stack import Stack

NGINX_IMAGE = "nginxinc/nginx-unprivileged:1.27-alpine"
NGINX_UID = 101  # the image's own unprivileged user
NGINX_PORT = 8080


def nginx_site(port: int) -> str:
    """The server block, written with printf in the Dockerfile (no extra file to own)."""
    return (
        f"server {{ listen {port}; root /usr/share/nginx/html; "
        "location / { try_files $uri $uri/ /index.html; } }"
    )


def render_spa_runtime(
    stack: Stack, build_lines: list[str], built: str, build_image: str
) -> DockerfilePlan:
    """`build_lines` end with a stage named `build` whose `built` folder is the site."""
    probe = wget_probe(stack) if stack.health_path else []
    lines = [
        *build_lines,
        f"\nFROM {NGINX_IMAGE} AS runtime\n",
        f"RUN printf '%s\\n' '{nginx_site(stack.port)}' > /etc/nginx/conf.d/default.conf\n",
        f"COPY --from=build {built}/ /usr/share/nginx/html/\n",
        *serving_lines(stack, str(NGINX_UID), probe),
    ]
    return DockerfilePlan(
        "".join(lines),
        NGINX_IMAGE,
        build_image,
        NGINX_UID,
        healthcheck=bool(probe),
        probe=probe,
    )
