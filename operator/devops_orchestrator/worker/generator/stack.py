"""What the generator knows about the application: the result of stack detection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devops_orchestrator.worker.generator.detect.hints import Hints


@dataclass
class Stack:
    """An application's stack. `kind` picks the renderers; the rest fills them in."""

    kind: str = "unknown"  # node, python, go, java, kotlin, rust, dotnet, php, ruby, static
    app_name: str = "app"
    framework: str = ""  # express, next, nest, fastapi, flask, django, spring-boot, axum, ...
    language_version: str = ""  # "20", "3.12", "1.23", "21", "1.82"
    package_manager: str = ""  # npm, yarn, pnpm, pip, poetry, go, maven, gradle, cargo
    lockfile: str = ""
    typescript: bool = False
    entry: str = ""  # node: dist/index.js; python: module:attr; java: jar; go/rust: binary
    server: str = ""  # python: uvicorn, gunicorn, python
    port: int = 8080
    port_source: str = "default"  # code, briefing, context, default
    port_from_env: bool = False  # the code reads PORT from the environment
    health_path: str | None = None
    health_source: str = ""
    build_command: str = ""
    test_command: str = ""
    lint_command: str = ""
    build_outputs: list[str] = field(default_factory=list)  # copied from the build stage
    source_root: str = ""  # python: "src" for a src/ layout
    root: str = ""  # the service's folder in a monorepo ("" = the workspace itself)
    notes: list[str] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)  # facts the code did not state

    @property
    def label(self) -> str:
        parts = [self.kind, self.framework, "typescript" if self.typescript else ""]
        return "/".join(p for p in parts if p)


@dataclass(frozen=True)
class StackDetector:
    """What one detector module (`detect/<stack>.py`, its `DETECTOR`) contributes: the
    function that recognises the stack, its rank (lower is tried first: a backend
    manifest beats a bare index.html) and the `project_type` words that name it."""

    detect: Callable[[Path, Hints], Stack | None]
    priority: int = 50
    aliases: tuple[str, ...] = ()
    kind: str = ""
