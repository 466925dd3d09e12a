"""YAML documents with the line of every key and list item, so a fact can say where it
is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from devops_orchestrator.worker.validators.yamldocs import SAFE_LOADER

Path = tuple[str | int, ...]


@dataclass
class LocatedDocument:
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    start: int = 1

    def line(self, *path: str | int) -> int:
        """The line of `path`, or of its nearest located ancestor."""
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, self.start)


def load_located(text: str) -> list[LocatedDocument]:
    """Every document of `text`; an unreadable file gives none (the YAML validator
    reports syntax errors; the consistency check only reads what parses)."""
    try:
        nodes = list(yaml.compose_all(text, Loader=SAFE_LOADER))
        values = list(yaml.load_all(text, Loader=SAFE_LOADER))  # a safe loader
    except yaml.YAMLError:
        return []
    documents = []
    for node, value in zip(nodes, values, strict=False):
        if node is None:
            continue
        lines: dict[Path, int] = {}
        _walk(node, (), lines)
        documents.append(LocatedDocument(value, lines, node.start_mark.line + 1))
    return documents


def _walk(node: yaml.Node, path: Path, lines: dict[Path, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                child = (*path, str(key.value))
                _walk(value, child, lines)
                lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)
