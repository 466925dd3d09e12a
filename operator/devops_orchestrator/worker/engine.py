"""The contract every engine (claude, generator) fulfils."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from devops_orchestrator.models import AgentDefinition, Briefing, TokenUsage, WorkerResult


class Engine(Protocol):
    """Turns a briefing into files in `workspace` and a structured result.

    Engines raise `EngineError` for failures a person must see (bad credentials, limits
    reached without a result); the worker process turns that into a non-zero exit."""

    name: str

    def run(
        self, briefing: Briefing, definition: AgentDefinition, workspace: Path
    ) -> WorkerResult: ...


class EngineError(RuntimeError):
    """A failure of the engine that ends the worker attempt. What the attempt spent and
    its redacted transcript travel with it, so a failed attempt still reports them."""

    def __init__(
        self, message: str, *, usage: TokenUsage | None = None, transcript: str = ""
    ) -> None:
        super().__init__(message)
        self.usage = usage
        self.transcript = transcript
