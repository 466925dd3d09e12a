"""Node.js: dependencies, an optional build stage, a slim runtime as a non-root user.
Next.js runs `next start`; a Vite (or other) single-page app is built with Node and
served by unprivileged nginx; bun projects install and run with bun."""

from __future__ import annotations

from typing import Any

from devops_orchestrator.worker.generator.render.common import (
    CiCommands,
    DockerfilePlan,
    StackRenderer,
    exec_form,
    header,
    serving_lines,
    wget_probe,
)
from devops_orchestrator.worker.generator.render.spa import render_spa_runtime
from devops_orchestrator.worker.generator.stack import Stack

NODE_TAGS = {"18": "18.20-alpine3.20", "20": "20.18-alpine3.20", "22": "22.11-alpine3.20"}
BUN_IMAGE = "oven/bun:1.1.38-alpine"
NODE_UID = 10001  # above the host's range of users (checkov CKV_K8S_40); needs no passwd entry

# manager -> (install all, install production only, cache folder, run a script)
_INSTALL = {
    "npm": ("npm ci", "npm ci --omit=dev", "/root/.npm", "npm run"),
    "yarn": (
        "yarn install --frozen-lockfile",
        "yarn install --frozen-lockfile --production",
        "/usr/local/share/.cache/yarn",
        "yarn",
    ),
    "pnpm": (
        "pnpm install --frozen-lockfile",
        "pnpm install --frozen-lockfile --prod",
        "/root/.local/share/pnpm/store",
        "pnpm",
    ),
    "bun": (
        "bun install --frozen-lockfile",
        "bun install --frozen-lockfile --production",
        "/root/.bun/install/cache",
        "bun run",
    ),
}


def node_image(version: str) -> str:
    major = version.split(".", 1)[0] or "20"
    return f"node:{NODE_TAGS.get(major, f'{major}-alpine')}"


def install_commands(stack: Stack) -> tuple[str, str, str, str]:
    manager = stack.package_manager if stack.package_manager in _INSTALL else "npm"
    install_all, install_prod, cache, run = _INSTALL[manager]
    if manager == "npm" and not stack.lockfile:
        install_all, install_prod = "npm install", "npm install --omit=dev"
    return install_all, install_prod, cache, run


def start_command(stack: Stack) -> list[str]:
    if stack.framework == "next":
        return ["node_modules/.bin/next", "start", "-p", str(stack.port)]
    runtime = "bun" if stack.package_manager == "bun" else "node"
    return [runtime, stack.entry or "index.js"]


def render_node_dockerfile(stack: Stack) -> DockerfilePlan:
    image = BUN_IMAGE if stack.package_manager == "bun" else node_image(stack.language_version)
    if stack.framework == "vite":
        return render_spa_runtime(stack, _dependency_stages(stack, True), "/app/dist", image)
    _, install_prod, cache, _ = install_commands(stack)
    corepack = "corepack enable && " if stack.package_manager in ("yarn", "pnpm") else ""
    builds = bool(stack.build_command)
    lines = _dependency_stages(stack, build=builds)
    lines += [
        f"\nFROM {image} AS runtime\n",
        "ENV NODE_ENV=production\n",
        "WORKDIR /app\n",
        f"COPY {_manifests(stack)} ./\n",
        f"RUN --mount=type=cache,target={cache} {corepack}{install_prod}\n",
    ]
    if builds and stack.build_outputs:
        lines += [f"COPY --from=build /app/{out} ./{out}\n" for out in stack.build_outputs]
    else:
        lines.append("COPY . .\n")
    probe = wget_probe(stack) if stack.health_path else []
    lines += serving_lines(stack, f"{NODE_UID}:{NODE_UID}", probe, f"PORT={stack.port}")
    lines.append(f"CMD {exec_form(start_command(stack))}\n")
    return DockerfilePlan(
        text="".join(lines),
        base_image=image,
        build_image=image,
        user_id=NODE_UID,
        healthcheck=bool(probe),
        probe=probe,
    )


def _manifests(stack: Stack) -> str:
    return "package.json" + (f" {stack.lockfile}" if stack.lockfile else "")


def _dependency_stages(stack: Stack, build: bool) -> list[str]:
    image = BUN_IMAGE if stack.package_manager == "bun" else node_image(stack.language_version)
    install_all, _, cache, _ = install_commands(stack)
    corepack = "corepack enable && " if stack.package_manager in ("yarn", "pnpm") else ""
    lines = [
        "# syntax=docker/dockerfile:1\n",
        header(),
        f"# Node.js {stack.label}: dependencies are installed before the sources are copied,\n",
        "# so the layer cache survives code changes.\n",
        f"FROM {image} AS deps\n",
        "WORKDIR /app\n",
        f"COPY {_manifests(stack)} ./\n",
        f"RUN --mount=type=cache,target={cache} {corepack}{install_all}\n",
    ]
    if build:
        lines += ["\nFROM deps AS build\n", "COPY . .\n", f"RUN {corepack}{stack.build_command}\n"]
    return lines


def node_ci(stack: Stack) -> CiCommands:
    manager = stack.package_manager or "npm"
    version = stack.language_version.split(".", 1)[0] or "20"
    setup: list[dict[str, Any]] = []
    if manager == "pnpm":
        setup.append({"uses": "pnpm/action-setup@v4", "with": {"version": 9}})
    if manager == "bun":
        setup.append({"uses": "oven-sh/setup-bun@v2", "with": {"bun-version": "1.1.38"}})
    else:
        node: dict[str, Any] = {"node-version": version}
        if stack.lockfile:
            node["cache"] = manager
        setup.append({"name": "Set up Node.js", "uses": "actions/setup-node@v4", "with": node})
    return CiCommands(
        setup=setup,
        image=BUN_IMAGE if manager == "bun" else node_image(stack.language_version),
        install=install_commands(stack)[0],
        lint=[stack.lint_command] if stack.lint_command else [],
        test=stack.test_command,
        build=stack.build_command,
    )


RENDERER = StackRenderer(
    kinds=("node",),
    dockerfile=render_node_dockerfile,
    ci=node_ci,
    dockerignore=(
        "# Node.js",
        "node_modules",
        "dist",
        ".next",
        "coverage",
        "npm-debug.log*",
        "yarn-error.log*",
    ),
)
