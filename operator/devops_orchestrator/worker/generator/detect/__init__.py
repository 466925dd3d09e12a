"""Stack detection: manifests and code in the workspace, then hints from the briefing.

One module per stack; the first detector that recognises the workspace wins, in the
order of `DETECTORS` (a backend manifest beats a bare index.html)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from devops_orchestrator.models import Briefing
from devops_orchestrator.worker.generator.detect.go import detect_go
from devops_orchestrator.worker.generator.detect.hints import Hints, read_hints
from devops_orchestrator.worker.generator.detect.java import detect_java
from devops_orchestrator.worker.generator.detect.node import detect_node
from devops_orchestrator.worker.generator.detect.python import detect_python
from devops_orchestrator.worker.generator.detect.rust import detect_rust
from devops_orchestrator.worker.generator.detect.static import detect_static
from devops_orchestrator.worker.generator.stack import Stack

Detector = Callable[[Path, Hints], Stack | None]

DETECTORS: tuple[Detector, ...] = (
    detect_node,
    detect_python,
    detect_go,
    detect_java,
    detect_rust,
    detect_static,
)

_KIND_ALIASES = {
    "nodejs": "node",
    "node": "node",
    "javascript": "node",
    "typescript": "node",
    "python": "python",
    "go": "go",
    "golang": "go",
    "java": "java",
    "spring": "java",
    "rust": "rust",
    "static": "static",
    "html": "static",
}


def detect_stack(workspace: Path, briefing: Briefing) -> Stack:
    """The workspace's stack, completed and overridden by the briefing's hints."""
    hints = read_hints(briefing)
    for detector in DETECTORS:
        stack = detector(workspace, hints)
        if stack is not None:
            break
    else:
        stack = _from_hints_only(workspace, hints)
    apply_hints(stack, hints)
    return stack


def _from_hints_only(workspace: Path, hints: Hints) -> Stack:
    kind = _KIND_ALIASES.get((hints.project_type or "").lower(), "unknown")
    stack = Stack(kind=kind, app_name=hints.app_name or workspace.resolve().name)
    stack.notes.append("no application found in the workspace; the stack comes from the task")
    return stack


def apply_hints(stack: Stack, hints: Hints) -> None:
    """Explicit instructions (context keys, then "Port: 3000"-style text) win over what
    the code says; a disagreement with the code is kept as a note."""
    if hints.port is not None and hints.port != stack.port and stack.kind == "static":
        stack.notes.append(f"a static site is served by nginx on {stack.port}, not {hints.port}")
    elif hints.port is not None and hints.port != stack.port:
        if stack.port_source == "code" and not stack.port_from_env:
            stack.notes.append(
                f"the task asks for port {hints.port} but the code listens on {stack.port}"
            )
        stack.port, stack.port_source = hints.port, hints.port_source
    if hints.health_path:
        stack.health_path, stack.health_source = hints.health_path, "briefing"
    if hints.language_version:
        stack.language_version = hints.language_version
    if hints.entry:
        stack.entry = hints.entry
    if hints.package_manager and stack.kind == "node":
        stack.package_manager = hints.package_manager
    if hints.app_name:
        stack.app_name = hints.app_name
