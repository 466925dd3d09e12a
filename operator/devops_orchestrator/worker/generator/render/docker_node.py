"""Dockerfile for Node.js: dependencies, an optional build stage, a slim runtime as `node`."""

from __future__ import annotations

from devops_orchestrator.worker.generator.render.common import (
    DockerfilePlan,
    header,
    wget_healthcheck,
)
from devops_orchestrator.worker.generator.stack import Stack

NODE_TAGS = {"18": "18.20-alpine3.20", "20": "20.18-alpine3.20", "22": "22.11-alpine3.20"}
NODE_UID = 10001  # above the host's range of users (checkov CKV_K8S_40); needs no passwd entry

_INSTALL = {
    "npm": ("npm ci", "npm ci --omit=dev", "/root/.npm"),
    "yarn": (
        "yarn install --frozen-lockfile && yarn cache clean",
        "yarn install --frozen-lockfile --production && yarn cache clean",
        "/usr/local/share/.cache/yarn",
    ),
    "pnpm": (
        "pnpm install --frozen-lockfile",
        "pnpm install --frozen-lockfile --prod",
        "/root/.local/share/pnpm/store",
    ),
}


def node_image(version: str) -> str:
    major = version.split(".", 1)[0] or "20"
    return f"node:{NODE_TAGS.get(major, f'{major}-alpine')}"


def render_node_dockerfile(stack: Stack) -> DockerfilePlan:
    image = node_image(stack.language_version)
    manager = stack.package_manager if stack.package_manager in _INSTALL else "npm"
    install_all, install_prod, cache = _INSTALL[manager]
    if manager == "npm" and not stack.lockfile:
        install_all, install_prod = "npm install", "npm install --omit=dev"
    manifests = "package.json" + (f" {stack.lockfile}" if stack.lockfile else "")
    corepack = "corepack enable && " if manager != "npm" else ""
    builds = bool(stack.build_command)
    lines = [
        "# syntax=docker/dockerfile:1\n",
        header(),
        f"# Node.js {stack.label}: dependencies are installed before the sources are copied,\n",
        "# so the layer cache survives code changes.\n",
        f"FROM {image} AS deps\n",
        "WORKDIR /app\n",
        f"COPY {manifests} ./\n",
        f"RUN --mount=type=cache,target={cache} {corepack}{install_all}\n",
    ]
    if builds:
        lines += [
            "\nFROM deps AS build\n",
            "COPY . .\n",
            f"RUN {corepack}{stack.build_command}\n",
        ]
    lines += [
        f"\nFROM {image} AS runtime\n",
        "ENV NODE_ENV=production\n",
        "WORKDIR /app\n",
        f"COPY {manifests} ./\n",
        f"RUN --mount=type=cache,target={cache} {corepack}{install_prod}\n",
    ]
    if builds and stack.build_outputs:
        lines += [f"COPY --from=build /app/{out} ./{out}\n" for out in stack.build_outputs]
    else:
        lines.append("COPY . .\n")
    lines += [
        f"USER {NODE_UID}:{NODE_UID}\n",
        f"ENV PORT={stack.port}\n",
        f"EXPOSE {stack.port}\n",
    ]
    if stack.health_path:
        lines.append(wget_healthcheck(stack.port, stack.health_path))
    if stack.framework == "next":
        lines.append(f'CMD ["node_modules/.bin/next", "start", "-p", "{stack.port}"]\n')
    else:
        lines.append(f'CMD ["node", "{stack.entry or "index.js"}"]\n')
    return DockerfilePlan(
        text="".join(lines),
        base_image=image,
        build_image=image,
        user_id=NODE_UID,
        healthcheck=bool(stack.health_path),
    )
