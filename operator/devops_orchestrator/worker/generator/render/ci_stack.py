"""The stack's CI commands and the GitHub Actions steps that set up its toolchain, from
the stack's renderer (see `stacks.py`)."""

from __future__ import annotations

from devops_orchestrator.worker.generator.render.common import CiCommands
from devops_orchestrator.worker.generator.render.stacks import renderer_for
from devops_orchestrator.worker.generator.stack import Stack

__all__ = ["CiCommands", "ci_commands"]


def ci_commands(stack: Stack) -> CiCommands:
    renderer = renderer_for(stack.kind) or renderer_for("static")
    assert renderer is not None  # the static renderer always exists
    return renderer.ci(stack)
