"""PHP with Composer: Laravel (artisan, the /up health route), Slim, or plain PHP; the
document root (public/ when there is one) and health-named routes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from devops_orchestrator.worker.generator.detect.code import (
    find_health_path,
    read_all,
    source_files,
)
from devops_orchestrator.worker.generator.detect.hints import Hints, dns_label
from devops_orchestrator.worker.generator.stack import Stack, StackDetector

DEFAULT_PORT = 8080  # Apache is moved off 80 so that it runs without privileges
_LARAVEL_HEALTH = re.compile(r"""health\s*:\s*['"](/[\w/-]*)['"]""")
_PHP_VERSION = re.compile(r"(\d)\.(\d)")


def detect_php(workspace: Path, hints: Hints) -> Stack | None:
    manifest = workspace / "composer.json"
    if not manifest.is_file():
        return None
    try:
        composer: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        composer = {}
    require = {str(k).lower(): str(v) for k, v in (composer.get("require") or {}).items()}
    name = str(composer.get("name", "")).rsplit("/", 1)[-1]
    stack = Stack(kind="php", app_name=dns_label(name or workspace.resolve().name) or "app")
    stack.package_manager = "composer"
    stack.lockfile = "composer.lock" if (workspace / "composer.lock").is_file() else ""
    if "laravel/framework" in require:
        stack.framework = "laravel"
    elif "slim/slim" in require:
        stack.framework = "slim"
    version = _PHP_VERSION.search(require.get("php", ""))
    stack.language_version = f"{version.group(1)}.{version.group(2)}" if version else "8.3"
    stack.entry = "public" if (workspace / "public").is_dir() else "."
    stack.port = DEFAULT_PORT
    stack.port_source = "server"
    sources = read_all(source_files(workspace, (".php",)))
    laravel = next((m.group(1) for _, t in sources if (m := _LARAVEL_HEALTH.search(t))), None)
    health = laravel or find_health_path(sources)
    if health:
        stack.health_path, stack.health_source = health, "code"
    scripts = composer.get("scripts") or {}
    stack.test_command = "composer test" if "test" in scripts else ""
    stack.lint_command = "composer validate --strict"
    stack.build_command = "composer install --no-interaction --prefer-dist"
    return stack


DETECTOR = StackDetector(
    detect=detect_php, priority=5, kind="php", aliases=("laravel", "slim", "symfony")
)
