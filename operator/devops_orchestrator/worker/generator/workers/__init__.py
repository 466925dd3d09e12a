"""One module per worker: what the generator writes for it and the result fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from devops_orchestrator.models import Issue


@dataclass
class WorkerOutput:
    files: dict[str, str]  # workspace-relative path -> content
    summary: str
    fields: dict[str, Any] = field(default_factory=dict)  # worker-specific result fields
    issues: list[Issue] = field(default_factory=list)
