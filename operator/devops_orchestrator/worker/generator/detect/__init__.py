"""Stack detection: manifests and code in the workspace (or in the one service folder of
a monorepo), then hints from the briefing.

Every `detect/<stack>.py` module with a `DETECTOR` takes part, tried in order of
priority; the first that recognises the workspace wins."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from pathlib import Path

from devops_orchestrator.models import Briefing
from devops_orchestrator.worker.generator import detect as _package
from devops_orchestrator.worker.generator.detect.hints import Hints, read_hints
from devops_orchestrator.worker.generator.detect.layout import service_folders
from devops_orchestrator.worker.generator.stack import Stack, StackDetector


@lru_cache(maxsize=1)
def stack_detectors() -> tuple[StackDetector, ...]:
    found = []
    for module in pkgutil.iter_modules(_package.__path__):
        loaded = importlib.import_module(f"{_package.__name__}.{module.name}")
        detector = getattr(loaded, "DETECTOR", None)
        if isinstance(detector, StackDetector):
            found.append(detector)
    return tuple(sorted(found, key=lambda d: (d.priority, d.kind)))


def detect_stack(workspace: Path, briefing: Briefing) -> Stack:
    """The workspace's stack, completed and overridden by the briefing's hints."""
    hints = read_hints(briefing)
    stack = _detect_in(workspace, hints)
    if stack is None:
        stack = _detect_service(workspace, hints)
    if stack is None:
        stack = _from_hints_only(workspace, hints)
    apply_hints(stack, hints)
    return stack


def _detect_in(folder: Path, hints: Hints) -> Stack | None:
    for detector in stack_detectors():
        stack = detector.detect(folder, hints)
        if stack is not None:
            return stack
    return None


def _detect_service(workspace: Path, hints: Hints) -> Stack | None:
    """A monorepo: the service folder the task names, else the only one, else the first."""
    found: list[Stack] = []
    for folder in service_folders(workspace):
        stack = _detect_in(workspace / folder, hints)
        if stack is not None:
            stack.root = folder
            found.append(stack)
    if not found:
        return None
    named = [s for s in found if hints.mentions(s.root.rsplit("/", 1)[-1], s.app_name)]
    chosen = (named or found)[0]
    if len(found) > 1 and not named:
        others = ", ".join(s.root for s in found[1:])
        chosen.assumed.append(
            f"service folder: {chosen.root} (also found {others}; name one in the task)"
        )
    chosen.notes.append(f"the application is the service in {chosen.root}/")
    return chosen


def _from_hints_only(workspace: Path, hints: Hints) -> Stack:
    wanted = (hints.project_type or "").lower()
    kind = next(
        (d.kind for d in stack_detectors() if wanted and wanted in (d.kind, *d.aliases)),
        "unknown",
    )
    stack = Stack(kind=kind, app_name=hints.app_name or workspace.resolve().name)
    stack.notes.append("no application found in the workspace; the stack comes from the task")
    return stack


def apply_hints(stack: Stack, hints: Hints) -> None:
    """Explicit instructions (context keys, then "Port: 3000"-style text) win over what
    the code says; a disagreement with the code is kept as a note."""
    fixed_port = stack.port_source == "server"  # nginx of a static site
    if hints.port is not None and hints.port != stack.port and fixed_port:
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
    _record_assumptions(stack)


def _record_assumptions(stack: Stack) -> None:
    """What the artifacts assume because neither the code nor the task said it."""
    if stack.port_source == "default":
        stack.assumed.append(f"port {stack.port}: the code names none (set PORT or the task)")
    if not stack.health_path:
        stack.assumed.append(
            "health endpoint: none found in the code; probes check the TCP port only"
        )
