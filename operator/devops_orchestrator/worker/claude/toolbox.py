"""The tools one definition may use, and the dispatch of a `tool_use` block to them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from anthropic.types import ToolParam

from devops_orchestrator.worker.claude import schemas
from devops_orchestrator.worker.claude.bash import bash
from devops_orchestrator.worker.claude.context import ToolContext, ToolError
from devops_orchestrator.worker.claude.file_tools import edit, read, write
from devops_orchestrator.worker.claude.redact import redact
from devops_orchestrator.worker.claude.sandbox import SandboxError
from devops_orchestrator.worker.claude.search_tools import glob, grep
from devops_orchestrator.worker.claude.validate_tool import validate

log = logging.getLogger(__name__)

ToolFunction = Callable[[ToolContext, Mapping[str, object]], str]

TOOLS: dict[str, tuple[ToolParam, ToolFunction]] = {
    "Read": (schemas.READ, read),
    "Write": (schemas.WRITE, write),
    "Edit": (schemas.EDIT, edit),
    "Glob": (schemas.GLOB, glob),
    "Grep": (schemas.GREP, grep),
    "Bash": (schemas.BASH, bash),
    "validate": (schemas.VALIDATE, validate),
}


@dataclass(frozen=True)
class ToolOutcome:
    content: str
    is_error: bool = False


class Toolbox:
    """The allowed subset of `TOOLS`; names the definition lists that we do not know are
    kept in `unknown` for the caller to report."""

    def __init__(self, ctx: ToolContext, allowed: Sequence[str]) -> None:
        self.ctx = ctx
        self.names = [name for name in TOOLS if name in allowed]
        self.unknown = sorted(set(allowed) - set(TOOLS))

    @property
    def params(self) -> list[ToolParam]:
        return [TOOLS[name][0] for name in self.names]

    def run(self, name: str, args: object) -> ToolOutcome:
        outcome = self._run(name, args)
        content = redact(outcome.content, self.ctx.secrets)
        return ToolOutcome(content or "(no output)", outcome.is_error)

    def _run(self, name: str, args: object) -> ToolOutcome:
        if name not in self.names:
            return ToolOutcome(f"unknown tool {name!r}; available: {self.names}", True)
        if not isinstance(args, Mapping):
            return ToolOutcome("the tool input must be a JSON object", True)
        try:
            return ToolOutcome(TOOLS[name][1](self.ctx, args))
        except SandboxError as violation:
            self.ctx.record_violation(name, violation)
            log.warning("sandbox: %s refused a path outside the workspace", name)
            return ToolOutcome(str(violation), True)
        except ToolError as exc:
            return ToolOutcome(str(exc), True)
        except OSError as exc:
            return ToolOutcome(f"{name} failed: {exc.strerror or exc}", True)
