"""Rust: Cargo.toml (package, framework), the bind address and routes in the code."""

from __future__ import annotations

import re
import tomllib
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
    re.compile(r"""bind\(\s*"[\w.\[\]:]*:(\d{2,5})\""""),
    re.compile(r"""bind\(\s*\(\s*"[\w.]+"\s*,\s*(\d{2,5})\s*\)"""),
    re.compile(r"""SocketAddr::from\(\s*\(\s*\[[\d,\s]+\]\s*,\s*(\d{2,5})\s*\)"""),
    re.compile(r"""unwrap_or\(\s*"?(\d{2,5})"?"""),
)


def detect_rust(workspace: Path, hints: Hints) -> Stack | None:
    cargo = workspace / "Cargo.toml"
    if not cargo.is_file():
        return None
    try:
        data = tomllib.loads(cargo.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        data = {}
    package = data.get("package", {})
    binary = str(package.get("name", "") or workspace.name)
    bins = data.get("bin", [])
    if isinstance(bins, list) and bins and isinstance(bins[0], dict) and bins[0].get("name"):
        binary = str(bins[0]["name"])
    deps = set(data.get("dependencies", {}))
    stack = Stack(kind="rust", app_name=dns_label(binary) or "app", package_manager="cargo")
    stack.entry = binary
    stack.framework = next((f for f in ("axum", "actix-web", "rocket", "warp") if f in deps), "")
    stack.language_version = "1.82"
    stack.lockfile = "Cargo.lock" if (workspace / "Cargo.lock").is_file() else ""
    sources = read_all(source_files(workspace, (".rs",)))
    stack.port_from_env = reads_port_env(sources)
    port = find_port(sources, _PORTS)
    if port is not None:
        stack.port, stack.port_source = port, "code"
    health = find_health_path(sources)
    if health:
        stack.health_path, stack.health_source = health, "code"
    stack.build_command = (
        "cargo build --release --locked" if stack.lockfile else ("cargo build --release")
    )
    stack.test_command = "cargo test"
    stack.lint_command = "cargo clippy -- -D warnings"
    return stack


DETECTOR = StackDetector(detect=detect_rust, priority=50, kind="rust")
