"""Node.js: package.json (framework, TypeScript, scripts), the lockfile, the code."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from devops_orchestrator.worker.generator.detect.code import (
    find_health_path,
    find_port,
    read_all,
    reads_port_env,
    source_files,
)
from devops_orchestrator.worker.generator.detect.hints import Hints, dns_label
from devops_orchestrator.worker.generator.detect.static import NGINX_PORT
from devops_orchestrator.worker.generator.stack import Stack, StackDetector

_LOCKFILES = (
    ("bun.lockb", "bun"),
    ("bun.lock", "bun"),
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
    ("package-lock.json", "npm"),
)
_FRAMEWORKS = (
    ("next", "next"),
    ("@nestjs/core", "nest"),
    ("express", "express"),
    ("fastify", "fastify"),
    ("koa", "koa"),
    ("hono", "hono"),
    ("vite", "vite"),  # last: a server framework with Vite for its assets is a server
)
_NEST_CONTROLLER = re.compile(r"""@Controller\(\s*['"]/?([\w/-]+)['"]""")
_NEXT_PORT = re.compile(r"next\s+start\b[^&|;]*?(?:-p|--port)[= ](\d{2,5})")
_PORTS = (
    re.compile(r"PORT\)?\s*(?:\|\||\?\?)\s*['\"]?(\d{2,5})"),
    re.compile(r"\.listen\(\s*(\d{2,5})"),
    re.compile(r"\b(?:const|let|var)\s+port\s*(?::\s*\w+\s*)?=\s*(\d{2,5})", re.IGNORECASE),
)


def detect_node(workspace: Path, hints: Hints) -> Stack | None:
    manifest = workspace / "package.json"
    if not manifest.is_file():
        return None
    try:
        package: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        package = {}
    deps = {**package.get("devDependencies", {}), **package.get("dependencies", {})}
    scripts: dict[str, str] = package.get("scripts", {}) or {}
    stack = Stack(kind="node", app_name=dns_label(str(package.get("name", ""))) or "app")
    stack.framework = next((name for dep, name in _FRAMEWORKS if dep in deps), "")
    stack.typescript = "typescript" in deps or (workspace / "tsconfig.json").is_file()
    stack.package_manager, stack.lockfile = "npm", ""
    for lockfile, manager in _LOCKFILES:
        if (workspace / lockfile).is_file():
            stack.package_manager, stack.lockfile = manager, lockfile
            break
    stack.language_version = _node_version(package)
    run = {"npm": "npm run", "yarn": "yarn", "pnpm": "pnpm", "bun": "bun run"}[
        stack.package_manager
    ]
    stack.build_command = f"{run} build" if "build" in scripts else ""
    stack.test_command = f"{run} test" if "test" in scripts else ""
    stack.lint_command = f"{run} lint" if "lint" in scripts else ""
    stack.entry = _entry(workspace, package, stack)
    stack.build_outputs = _build_outputs(workspace, stack) if stack.build_command else []
    sources = read_all(source_files(workspace, (".js", ".ts", ".mjs", ".cjs", ".mts")))
    stack.port_from_env = reads_port_env(sources)
    start = _NEXT_PORT.search(str(scripts.get("start", "")))
    port = int(start.group(1)) if start else find_port(sources, _PORTS)
    if stack.framework == "vite":
        stack.port, stack.port_source = NGINX_PORT, "server"  # built, then served by nginx
    elif port is not None:
        stack.port, stack.port_source = port, "code"
    elif stack.framework == "next":
        stack.port, stack.port_source = 3000, "framework"
    else:
        stack.port = 3000
    health = find_health_path(sources) or _framework_health(workspace, sources)
    if health:
        stack.health_path, stack.health_source = health, "code"
    elif stack.framework == "vite":
        stack.health_path, stack.health_source = "/", "server"
    return stack


def _framework_health(workspace: Path, sources: list[tuple[Path, str]]) -> str | None:
    """Routes that are no string literal: Next.js route folders, Nest controllers."""
    routes = [f'"/{m.group(1)}"' for _, text in sources for m in _NEST_CONTROLLER.finditer(text)]
    for base in ("app", "src/app", "pages", "src/pages"):
        for path in sorted((workspace / base).rglob("*")) if (workspace / base).is_dir() else []:
            relative = path.relative_to(workspace / base).with_suffix("")
            parts = [p for p in relative.parts if not p.startswith("(")]
            if path.suffix in (".ts", ".js", ".tsx") and parts:
                route = parts[:-1] if parts[-1] in ("route", "index") else parts
                routes.append('"/' + "/".join(route) + '"')
    return find_health_path([(Path("routes"), " ".join(routes))])


def _node_version(package: dict[str, Any]) -> str:
    engines = package.get("engines", {}) or {}
    match = re.search(r"(\d{2})", str(engines.get("node", "")))
    return match.group(1) if match else "20"


def _entry(workspace: Path, package: dict[str, Any], stack: Stack) -> str:
    if stack.framework == "next":
        return ""  # `next start`
    main = str(package.get("main", ""))
    if main and (not stack.typescript or main.endswith(".js")):
        return main
    if stack.typescript:
        out_dir = "dist"
        try:
            tsconfig = json.loads((workspace / "tsconfig.json").read_text(encoding="utf-8"))
            out_dir = str(tsconfig.get("compilerOptions", {}).get("outDir", "dist")).strip("./")
        except (OSError, json.JSONDecodeError, UnicodeDecodeError):
            pass
        name = "main.js" if stack.framework == "nest" else "index.js"
        return f"{out_dir}/{name}"
    for candidate in ("server.js", "index.js", "app.js", "src/index.js", "src/server.js"):
        if (workspace / candidate).is_file():
            return candidate
    return "index.js"


def _build_outputs(workspace: Path, stack: Stack) -> list[str]:
    """What the runtime stage copies from the build stage."""
    if stack.framework == "vite":
        return ["dist"]
    if stack.framework == "next":
        extra = [p.name for p in sorted(workspace.glob("next.config.*"))]
        return [".next", *(["public"] if (workspace / "public").is_dir() else []), *extra]
    if "/" in stack.entry:
        return [stack.entry.split("/", 1)[0]]
    return []


DETECTOR = StackDetector(
    detect=detect_node, priority=10, kind="node", aliases=("nodejs", "javascript", "typescript")
)
