"""Go: go.mod (module, version), the main package, net/http routes and listen address."""

from __future__ import annotations

import re
from pathlib import Path

from devops_orchestrator.worker.generator.detect.code import (
    find_health_path,
    find_port,
    read_all,
    reads_port_env,
    source_files,
)
from devops_orchestrator.worker.generator.detect.hints import Hints, dns_label
from devops_orchestrator.worker.generator.stack import Stack, StackDetector

_PORTS = (
    re.compile(r"""ListenAndServe(?:TLS)?\(\s*"[\w.]*:(\d{2,5})\""""),
    re.compile(r"""Addr:\s*"[\w.]*:(\d{2,5})\""""),
    re.compile(r"""\.(?:Run|Start|Listen)\(\s*"[\w.]*:(\d{2,5})\""""),
    re.compile(r"""Getenv\("PORT"\)[\s\S]{0,80}?"(\d{2,5})\""""),
    re.compile(r""""[\w.]*:(\d{4,5})\""""),
)
_FRAMEWORKS = (
    ("github.com/gin-gonic/gin", "gin"),
    ("github.com/labstack/echo", "echo"),
    ("github.com/go-chi/chi", "chi"),
    ("github.com/gofiber/fiber", "fiber"),
)


def detect_go(workspace: Path, hints: Hints) -> Stack | None:
    gomod = workspace / "go.mod"
    if not gomod.is_file():
        return None
    text = gomod.read_text(encoding="utf-8", errors="replace")
    module = re.search(r"^module\s+(\S+)", text, re.MULTILINE)
    version = re.search(r"^go\s+(\d+\.\d+)", text, re.MULTILINE)
    name = module.group(1).rstrip("/").rsplit("/", 1)[-1] if module else workspace.name
    stack = Stack(kind="go", app_name=dns_label(name) or "app", package_manager="go")
    stack.language_version = version.group(1) if version else "1.23"
    stack.framework = next((f for path, f in _FRAMEWORKS if path in text), "net/http")
    sources = read_all(source_files(workspace, (".go",)))
    main_dirs = sorted(
        {p.parent for p, t in sources if re.search(r"^package main\b", t, re.M)},
        key=lambda p: len(p.parts),
    )
    stack.entry = "./" + (main_dirs[0].relative_to(workspace).as_posix() if main_dirs else ".")
    stack.entry = "." if stack.entry == "./." else stack.entry
    stack.port_from_env = reads_port_env(sources)
    port = find_port(sources, _PORTS)
    if port is not None:
        stack.port, stack.port_source = port, "code"
    health = find_health_path(sources)
    if health:
        stack.health_path, stack.health_source = health, "code"
    stack.build_command = "go build ./..."
    stack.test_command = "go test ./..."
    stack.lint_command = "go vet ./..."
    return stack


DETECTOR = StackDetector(detect=detect_go, priority=30, kind="go", aliases=("golang",))
