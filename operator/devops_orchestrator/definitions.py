"""Worker definitions: `.claude/agents/<name>.md`, YAML front matter plus a system prompt.

A new worker is a new file. Every file is validated against `AgentDefinition` (unknown
keys are refused), and any problem names the file and the field.

Where the definitions are looked up, first match wins:

1. `directory` when given;
2. `Settings.agents_dir` (`DEVOPS_AGENTS_DIR`) when set;
3. the first `.claude/agents` folder found walking up from this package's directory.
   In the repository that is `<repo>/.claude/agents`; the image copies `.claude/agents`
   next to the installed package (e.g. `/app/.claude/agents` with the package under
   `/app`), so the same walk finds it there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from devops_orchestrator.config import get_settings
from devops_orchestrator.models import AgentDefinition

AGENTS_SUBDIR = Path(".claude") / "agents"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.DOTALL)


class DefinitionError(ValueError):
    """A worker definition is missing or malformed; the message names file and field."""

    def __init__(self, path: Path | str, field: str | None, problem: str) -> None:
        self.path = str(path)
        self.field = field
        self.problem = problem
        where = f"{self.path}: field {field!r}" if field else self.path
        super().__init__(f"invalid worker definition {where}: {problem}")


def find_agents_dir(directory: Path | None = None) -> Path:
    """The folder the definitions are read from (see the module docstring)."""
    if directory is not None:
        return Path(directory)
    configured = get_settings().agents_dir
    if configured:
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / AGENTS_SUBDIR
        if candidate.is_dir():
            return candidate
    raise DefinitionError(AGENTS_SUBDIR, None, "no .claude/agents folder found above the package")


def parse_definition(text: str, path: Path | str = "<string>") -> AgentDefinition:
    """One definition from the text of its file; raises `DefinitionError`."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise DefinitionError(path, None, "no YAML front matter (a '---' block at the top)")
    try:
        meta: Any = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise DefinitionError(path, None, f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise DefinitionError(path, None, "front matter must be a mapping of fields")
    for reserved in ("system_prompt", "path"):
        if reserved in meta:
            raise DefinitionError(path, reserved, "set by the loader, not in the front matter")
    body = match.group(2).strip()
    if not body:
        raise DefinitionError(path, "system_prompt", "the body (system prompt) is empty")
    try:
        definition = AgentDefinition.model_validate(
            {**meta, "system_prompt": body, "path": str(path)}
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise DefinitionError(path, field, first["msg"]) from exc
    stem = Path(str(path)).stem
    if stem != "<string>" and definition.name != stem:
        raise DefinitionError(path, "name", f"{definition.name!r} does not match the file name")
    return definition


def load_definitions(directory: Path | None = None) -> tuple[AgentDefinition, ...]:
    """Every `*.md` definition of the folder, sorted by name; raises `DefinitionError`."""
    folder = find_agents_dir(directory)
    if not folder.is_dir():
        raise DefinitionError(folder, None, "the definitions folder does not exist")
    files = sorted(folder.glob("*.md"))
    if not files:
        raise DefinitionError(folder, None, "no worker definitions (*.md) in the folder")
    definitions = tuple(parse_definition(f.read_text(encoding="utf-8"), f) for f in files)
    _check_references(definitions)
    return definitions


def _check_references(definitions: Sequence[AgentDefinition]) -> None:
    names = {d.name for d in definitions}
    for definition in definitions:
        for dependency in definition.after:
            if dependency not in names:
                raise DefinitionError(definition.path, "after", f"unknown worker {dependency!r}")


@lru_cache(maxsize=8)
def _cached(directory: Path) -> tuple[AgentDefinition, ...]:
    return load_definitions(directory)


def get_definition(name: str, directory: Path | None = None) -> AgentDefinition:
    """The definition of one worker; raises `DefinitionError` naming the expected file."""
    folder = find_agents_dir(directory).resolve()
    for definition in _cached(folder):
        if definition.name == name:
            return definition
    raise DefinitionError(folder / f"{name}.md", None, f"no definition for worker {name!r}")
