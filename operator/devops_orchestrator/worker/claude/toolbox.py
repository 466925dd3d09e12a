"""The tools one definition may use, and the dispatch of a `tool_use` block to them.

The dispatch never lets a tool end the run: an input that does not match the tool's
schema, a refused path, a failed command and any unexpected exception all come back to
the model as an `is_error` tool result."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import jsonschema
from anthropic.types import ToolParam

from devops_orchestrator.worker.claude import schemas
from devops_orchestrator.worker.claude.bash import bash
from devops_orchestrator.worker.claude.context import ToolContext, ToolError
from devops_orchestrator.worker.claude.file_tools import edit, read, write
from devops_orchestrator.worker.claude.redact import redact
from devops_orchestrator.worker.claude.runlog import log_tool, short_argument
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


def _input_problem(schema: Mapping[str, object], args: Mapping[str, object]) -> str | None:
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(args))
    if error is None:
        return None
    where = ".".join(str(p) for p in error.absolute_path) or "input"
    if error.validator == "type" and isinstance(error.validator_value, str):
        kind = error.validator_value
        return f"{where!r} must be {'an' if kind[0] in 'aeiou' else 'a'} {kind}"
    return f"{where}: {error.message}"


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
        started = time.monotonic()
        try:
            outcome = self._run(name, args)
        except Exception as exc:  # a tool's bug must not end the run: the model hears of it
            log.exception("tool %s raised", name)
            outcome = ToolOutcome(f"{name} failed: {type(exc).__name__}: {exc}", True)
        content = redact(outcome.content, self.ctx.secrets) or "(no output)"
        argument = short_argument(name, args, self.ctx.secrets)
        log_tool(name, argument, outcome.is_error, time.monotonic() - started, len(content))
        return ToolOutcome(content, outcome.is_error)

    def _run(self, name: str, args: object) -> ToolOutcome:
        if name not in self.names:
            return ToolOutcome(f"unknown tool {name!r}; available: {self.names}", True)
        if not isinstance(args, Mapping):
            return ToolOutcome("the tool input must be a JSON object", True)
        schema, function = TOOLS[name]
        problem = _input_problem(schema["input_schema"], args)
        if problem is not None:
            return ToolOutcome(f"invalid input for {name}: {problem}", True)
        try:
            return ToolOutcome(function(self.ctx, args))
        except SandboxError as violation:
            self.ctx.record_violation(name, violation)
            log.warning("sandbox: %s refused a path outside the workspace", name)
            return ToolOutcome(str(violation), True)
        except ToolError as exc:
            return ToolOutcome(str(exc), True)
        except OSError as exc:
            return ToolOutcome(f"{name} failed: {exc.strerror or exc}", True)
