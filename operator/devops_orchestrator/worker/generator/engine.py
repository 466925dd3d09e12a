"""The generator engine: deterministic, context-aware templates, no API key needed."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from devops_orchestrator.models import AgentDefinition, Briefing, Issue, Severity, WorkerResult
from devops_orchestrator.worker.engine import EngineError
from devops_orchestrator.worker.generator import workers
from devops_orchestrator.worker.generator.detect import detect_stack
from devops_orchestrator.worker.generator.detect.hints import Hints, read_hints
from devops_orchestrator.worker.generator.stack import Stack
from devops_orchestrator.worker.generator.workers import WorkerOutput
from devops_orchestrator.worker.generator.writer import write_files

Generate = Callable[[Stack, Hints, Mapping[str, WorkerResult]], WorkerOutput]

_WORKER_NAME = re.compile(r"^(?P<stem>[a-z][a-z0-9]*(?:-[a-z0-9]+)*?)(?:-worker)?$")


def find_generator(worker: str) -> Generate | None:
    """The templates of `worker`, found by convention so that a new worker is its
    definition plus one module: `workers/<stem>.py` with `generate_<stem>` for
    `<stem>-worker` (dashes become underscores)."""
    match = _WORKER_NAME.match(worker)
    if match is None:
        return None
    stem = match.group("stem").replace("-", "_")
    if stem not in list_generators():
        return None
    module = importlib.import_module(f"{workers.__name__}.{stem}")
    generate: Generate | None = getattr(module, f"generate_{stem}", None)
    return generate


def list_generators() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(workers.__path__))


class GeneratorEngine:
    """Detects the stack, renders the worker's files, writes them by the writer's rule."""

    name = "generator"

    def run(self, briefing: Briefing, definition: AgentDefinition, workspace: Path) -> WorkerResult:
        generate = find_generator(definition.name)
        if generate is None:
            known = ", ".join(f"{stem}-worker" for stem in list_generators())
            raise EngineError(
                f"the generator engine has no templates for worker {definition.name!r}; "
                f"it knows {known} (use the claude engine)"
            )
        stack = detect_stack(workspace, briefing)
        hints = read_hints(briefing)
        output = generate(stack, hints, briefing.previous_results)
        outcome = write_files(workspace, output.files)
        notes = [
            Issue(severity=Severity.INFO, validator="generator", rule="detection", message=note)
            for note in stack.notes
        ]
        notes += [
            Issue(
                severity=Severity.WARNING,
                validator="generator",
                rule="assumed",
                message=f"assumed {fact}",
            )
            for fact in stack.assumed
        ]
        detected = {
            "stack": stack.label,
            "app_name": stack.app_name,
            "port": stack.port,
            "port_source": stack.port_source,
            "health_endpoint": stack.health_path,
            "health_source": stack.health_source or None,
            "package_manager": stack.package_manager or None,
            "entry_point": stack.entry or None,
            "service_folder": stack.root or None,
            "assumed": list(stack.assumed),
        }
        return WorkerResult(
            files_created=outcome.created,
            files_modified=outcome.modified,
            summary=output.summary,
            issues=[*output.issues, *outcome.issues, *notes],
            engine=self.name,
            detected=detected,
            files_unchanged=outcome.unchanged,
            files_skipped=outcome.skipped,
            **output.fields,
        )
