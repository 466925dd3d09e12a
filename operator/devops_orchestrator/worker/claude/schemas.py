"""The tools as the Messages API sees them: name, description and input JSON schema."""

from __future__ import annotations

from anthropic.types import ToolParam

_PATH = {"type": "string", "description": "Path relative to the workspace root"}

READ: ToolParam = {
    "name": "Read",
    "description": "Read a text file of the workspace; lines come numbered. "
    "A page is size-capped; when more follows, the result says which offset to ask for "
    "next (offset: first line, 1-based; limit: line count).",
    "input_schema": {
        "type": "object",
        "properties": {
            "path": _PATH,
            "offset": {"type": "integer", "minimum": 1},
            "limit": {"type": "integer", "minimum": 1},
        },
        "required": ["path"],
    },
}

WRITE: ToolParam = {
    "name": "Write",
    "description": "Create or overwrite a file of the workspace with the given content "
    "(parent folders are created). Size-capped.",
    "input_schema": {
        "type": "object",
        "properties": {"path": _PATH, "content": {"type": "string"}},
        "required": ["path", "content"],
    },
}

EDIT: ToolParam = {
    "name": "Edit",
    "description": "Replace old_string by new_string in an existing file. old_string must "
    "occur exactly once unless replace_all is true.",
    "input_schema": {
        "type": "object",
        "properties": {
            "path": _PATH,
            "old_string": {"type": "string"},
            "new_string": {"type": "string"},
            "replace_all": {"type": "boolean", "default": False},
        },
        "required": ["path", "old_string", "new_string"],
    },
}

GLOB: ToolParam = {
    "name": "Glob",
    "description": "List workspace files matching a glob such as '**/*.py' or 'src/*.ts' "
    "(relative to path, default the root). Results are capped.",
    "input_schema": {
        "type": "object",
        "properties": {"pattern": {"type": "string"}, "path": _PATH},
        "required": ["pattern"],
    },
}

GREP: ToolParam = {
    "name": "Grep",
    "description": "Search file contents with a Python regular expression; answers "
    "'file:line: text'. Optional path (file or folder) and glob filter. Results are capped.",
    "input_schema": {
        "type": "object",
        "properties": {
            "pattern": {"type": "string"},
            "path": _PATH,
            "glob": {"type": "string", "description": "e.g. '*.py' or 'src/**/*.ts'"},
            "ignore_case": {"type": "boolean", "default": False},
        },
        "required": ["pattern"],
    },
}

BASH: ToolParam = {
    "name": "Bash",
    "description": "Run a shell command in the workspace root (no network guarantees, no "
    "secrets in the environment). Output is capped; the command is killed at the timeout "
    "(seconds).",
    "input_schema": {
        "type": "object",
        "properties": {
            "command": {"type": "string"},
            "timeout": {"type": "integer", "minimum": 1},
        },
        "required": ["command"],
    },
}

VALIDATE: ToolParam = {
    "name": "validate",
    "description": "Run the real validators (hadolint for Dockerfiles, actionlint for "
    "GitHub workflows, compose and Kubernetes schemas for YAML) on workspace files; "
    "default: the files written so far. Fix every error it reports.",
    "input_schema": {
        "type": "object",
        "properties": {"files": {"type": "array", "items": {"type": "string"}}},
    },
}
