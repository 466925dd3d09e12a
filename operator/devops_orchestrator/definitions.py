"""Worker definitions: `.claude/agents/<name>.md`, YAML front matter plus a system prompt.

A new worker is a new file. The files are Claude Code sub-agent files, so one written for
Claude Code loads unchanged and ours load in Claude Code:

- honoured: `name`, `description`, `tools` (a YAML list or a comma string; omitted means
  every tool), `disallowedTools`, `model` (`sonnet`, `opus`, `haiku`, `inherit` or an id),
  `maxTurns`; ours, which Claude Code ignores: `keywords`, `rules`, `after`, `downstream`;
- other Claude Code keys (`color`, `permissionMode`, `skills`, ...) are accepted and not
  used; unknown keys are logged and ignored;
- the `validate` tool (our real validators) is always given unless `disallowedTools`
  names it; in Claude Code, which has no such tool, the prompts run the linters via Bash.

Any problem with a field we use names the file and the field.

Where the definitions are looked up, first match wins:

1. `directory` when given;
2. `Settings.agents_dir` (`DEVOPS_AGENTS_DIR`) when set;
3. the first `.claude/agents` folder found walking up from this package's directory.
   In the repository that is `<repo>/.claude/agents`; the image copies `.claude/agents`
   next to the installed package (e.g. `/app/.claude/agents` with the package under
   `/app`), so the same walk finds it there.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from devops_orchestrator.config import get_settings
from devops_orchestrator.models import AgentDefinition

log = logging.getLogger(__name__)

AGENTS_SUBDIR = Path(".claude") / "agents"
# libyaml's loader where the wheel has it: a tenth of the pure-Python one's CPU.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# A worker name that can be a file name of the folder (no separators, no dot files).
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}")
# The tools a worker provides under Claude Code's names, and our own `validate`.
CLAUDE_CODE_TOOLS = ("Read", "Write", "Edit", "Glob", "Grep", "Bash")
VALIDATE_TOOL = "validate"
# Claude Code sub-agent keys that mean nothing to a worker Job: accepted, not used.
CLAUDE_CODE_UNUSED_KEYS = frozenset(
    {
        "color",
        "permissionMode",
        "skills",
        "hooks",
        "mcpServers",
        "memory",
        "background",
        "isolation",
        "effort",
        "disabled",
    }
)
_FIELDS = frozenset(
    {field.alias or name for name, field in AgentDefinition.model_fields.items()}
) - {"system_prompt", "path"}
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
        meta: Any = yaml.load(match.group(1), Loader=_YAML_LOADER)  # a safe loader
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
    fields = _keep_known_fields(meta, path)
    try:
        definition = AgentDefinition.model_validate(
            {**fields, "system_prompt": body, "path": str(path)}
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise DefinitionError(path, field, first["msg"]) from exc
    stem = Path(str(path)).stem
    if stem != "<string>" and definition.name != stem:
        # Claude Code allows it; the name is what counts, the file name is a convention.
        log.warning("%s: name %r differs from the file name", path, definition.name)
    return definition.model_copy(update={"tools": build_effective_tools(definition, fields)})


def _keep_known_fields(meta: dict[Any, Any], path: Path | str) -> dict[str, Any]:
    """The keys we read; Claude Code's other keys and unknown ones are dropped, the
    unknown ones with a warning (a typo in `keywords` should not pass unnoticed)."""
    unused = sorted(str(k) for k in meta if k in CLAUDE_CODE_UNUSED_KEYS)
    unknown = sorted(str(k) for k in meta if k not in _FIELDS and k not in CLAUDE_CODE_UNUSED_KEYS)
    if unused:
        log.info("%s: Claude Code keys not used by workers: %s", path, ", ".join(unused))
    if unknown:
        log.warning("%s: unknown keys ignored: %s", path, ", ".join(unknown))
    return {str(k): v for k, v in meta.items() if k in _FIELDS}


def build_effective_tools(definition: AgentDefinition, fields: dict[str, Any]) -> list[str]:
    """Claude Code's rules: no `tools` key means every tool, then `disallowedTools` is
    removed; `validate` is ours and always given unless disallowed."""
    listed = definition.tools if "tools" in fields else list(CLAUDE_CODE_TOOLS)
    wanted = [*listed, VALIDATE_TOOL]
    denied = set(definition.disallowed_tools)
    return [tool for tool in dict.fromkeys(wanted) if tool not in denied]


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
    names: dict[str, str] = {}
    for definition in definitions:
        if definition.name in names:
            problem = f"{definition.name!r} is also the name in {names[definition.name]}"
            raise DefinitionError(definition.path, "name", problem)
        names[definition.name] = definition.path
    for definition in definitions:
        for dependency in definition.after:
            if dependency not in names:
                raise DefinitionError(definition.path, "after", f"unknown worker {dependency!r}")


@lru_cache(maxsize=8)
def _cached(directory: Path) -> tuple[AgentDefinition, ...]:
    return load_definitions(directory)


def get_definition(name: str, directory: Path | None = None) -> AgentDefinition:
    """The definition of one worker; raises `DefinitionError` naming the expected file.
    A worker reads only `<name>.md` when that file defines `name` (the operator checked
    the whole folder when it planned); otherwise every file is read."""
    folder = find_agents_dir(directory).resolve()
    own = folder / f"{name}.md"
    if _FILE_NAME.fullmatch(name) and own.is_file():
        definition = parse_definition(own.read_text(encoding="utf-8"), own)
        if definition.name == name:
            return definition
    for definition in _cached(folder):
        if definition.name == name:
            return definition
    raise DefinitionError(folder / f"{name}.md", None, f"no definition for worker {name!r}")
