"""Facts of a Dockerfile's final stage: EXPOSE, the HEALTHCHECK URL, ENTRYPOINT + CMD."""

from __future__ import annotations

import io
import json
from typing import Any

from dockerfile_parse import DockerfileParser

from devops_orchestrator.worker.validators.consistency.facts import (
    COMMAND,
    HEALTH,
    PORT,
    Fact,
    url_port_and_path,
)


def dockerfile_facts(file: str, text: str) -> list[Fact]:
    structure = _final_stage(_parse(text))
    facts: list[Fact] = []
    command: dict[str, tuple[list[str], int]] = {}
    for instruction in structure:
        name = str(instruction.get("instruction", "")).upper()
        value = str(instruction.get("value", ""))
        line = int(instruction.get("startline", 0)) + 1
        if name == "EXPOSE":
            for token in value.split():
                port = token.split("/", 1)[0]
                if port.isdigit():
                    facts.append(Fact(PORT, port, file, line, "EXPOSE"))
        elif name == "HEALTHCHECK":
            url_port, path = url_port_and_path(value)
            if url_port:
                facts.append(Fact(PORT, url_port, file, line, "HEALTHCHECK port"))
            if path:
                facts.append(Fact(HEALTH, path, file, line, "HEALTHCHECK"))
        elif name in ("CMD", "ENTRYPOINT"):
            command[name] = (_words(value), line)
    words = [*command.get("ENTRYPOINT", ([], 0))[0], *command.get("CMD", ([], 0))[0]]
    if words:
        line = max(line for _, line in command.values())
        facts.append(Fact(COMMAND, " ".join(words), file, line, "ENTRYPOINT + CMD"))
    return facts


def _parse(text: str) -> list[dict[str, Any]]:
    parser = DockerfileParser(fileobj=io.StringIO(text))
    return [dict(item) for item in parser.structure]


def _final_stage(structure: list[dict[str, Any]]) -> list[dict[str, Any]]:
    starts = [i for i, item in enumerate(structure) if str(item.get("instruction")) == "FROM"]
    return structure[starts[-1] :] if starts else structure


def _words(value: str) -> list[str]:
    """The exec form's words, or the shell form as `sh -c` would receive it."""
    try:
        words = json.loads(value)
    except json.JSONDecodeError:
        return ["/bin/sh", "-c", value.strip()]
    if isinstance(words, list) and all(isinstance(w, str) for w in words):
        return list(words)
    return [value.strip()]
