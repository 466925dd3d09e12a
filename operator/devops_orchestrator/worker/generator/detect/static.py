"""A static site: an index.html and no backend manifest, served by unprivileged nginx."""

from __future__ import annotations

from pathlib import Path

from devops_orchestrator.worker.generator.detect.hints import Hints, dns_label
from devops_orchestrator.worker.generator.stack import Stack, StackDetector

NGINX_PORT = 8080  # nginx-unprivileged listens here as a non-root user
_HEALTH_FILES = ("healthz", "health", "health.html", "healthz.html", "health.txt")


def site_root(workspace: Path) -> str | None:
    for folder in ("", "public", "site", "www", "docs"):
        if (workspace / folder / "index.html").is_file():
            return folder or "."
    return None


def detect_static(workspace: Path, hints: Hints) -> Stack | None:
    root = site_root(workspace)
    if root is None:
        return None
    stack = Stack(kind="static", framework="nginx", entry=root)
    stack.app_name = dns_label(workspace.resolve().name) or "site"
    stack.port, stack.port_source = NGINX_PORT, "server"
    health = next((f for f in _HEALTH_FILES if (workspace / root / f).is_file()), None)
    stack.health_path = f"/{health}" if health else "/"
    stack.health_source = "site"
    return stack


DETECTOR = StackDetector(detect=detect_static, priority=90, kind="static", aliases=("html",))
