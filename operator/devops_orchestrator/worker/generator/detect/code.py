"""Reading the application's own code: source files, ports and health routes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

SKIP_DIRS = frozenset(
    {
        ".git",
        "node_modules",
        "dist",
        "build",
        "target",
        ".venv",
        "venv",
        "__pycache__",
        ".next",
        "vendor",
        ".terraform",
        "k8s",
        "terraform",
        ".github",
    }
)
MAX_FILES = 400
MAX_BYTES = 256 * 1024

# Route literals that look like a health endpoint, best first.
_HEALTH_NAMES = (
    "healthz",
    "health",
    "livez",
    "readyz",
    "up",
    "ready",
    "live",
    "ping",
    "status",
)
_ROUTE = re.compile(r"""["'`](/[\w./{}:-]*)["'`]""")


def source_files(workspace: Path, suffixes: Sequence[str]) -> Iterator[Path]:
    """Files with one of `suffixes`, skipping dependency and build folders."""
    count = 0
    for path in sorted(workspace.rglob("*")):
        if count >= MAX_FILES:
            return
        relative = path.relative_to(workspace).parts
        if any(part in SKIP_DIRS for part in relative[:-1]):
            continue
        if path.is_file() and path.suffix in suffixes and path.stat().st_size <= MAX_BYTES:
            count += 1
            yield path


def read_all(files: Iterable[Path]) -> list[tuple[Path, str]]:
    return [(f, f.read_text(encoding="utf-8", errors="replace")) for f in files]


def find_port(
    sources: Sequence[tuple[Path, str]], patterns: Sequence[re.Pattern[str]]
) -> int | None:
    """The first port any pattern finds, patterns in order of trust."""
    for pattern in patterns:
        for _, text in sources:
            for match in pattern.finditer(text):
                port = int(match.group(1))
                if 0 < port < 65536:
                    return port
    return None


def find_health_path(sources: Sequence[tuple[Path, str]]) -> str | None:
    """The route literal that looks most like a health endpoint."""
    routes = {m.group(1).rstrip("/") or "/" for _, text in sources for m in _ROUTE.finditer(text)}
    for name in _HEALTH_NAMES:
        for route in sorted(routes, key=len):
            segments = route.strip("/").split("/")
            if name in segments and "{" not in route and ":" not in route:
                return route
    return None


def reads_port_env(sources: Sequence[tuple[Path, str]]) -> bool:
    return any(re.search(r"""(?:env|environ|getenv)\W{1,3}["']?PORT\b""", t) for _, t in sources)
