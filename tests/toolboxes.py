"""The Claude engine's tools over a workspace, built the way the engine builds them, for
tests that call the tools directly (as a model, or a hijacked one, would)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from devops_orchestrator.config import Settings
from devops_orchestrator.worker.claude.context import ToolContext, ToolLimits
from devops_orchestrator.worker.claude.files import FileTracker
from devops_orchestrator.worker.claude.sandbox import Sandbox
from devops_orchestrator.worker.claude.toolbox import Toolbox


def build_toolbox(
    workspace: Path, limits: ToolLimits, tools: Sequence[str], secrets: tuple[str, ...] = ()
) -> Toolbox:
    sandbox = Sandbox(workspace)
    ctx = ToolContext(
        sandbox=sandbox,
        tracker=FileTracker.snapshot(sandbox),
        limits=limits,
        bash_path=Settings().bash_path,
        secrets=secrets,
    )
    return Toolbox(ctx, list(tools))
