"""Facts of CI pipelines (GitHub Actions, GitLab CI, Jenkinsfile): the image they build
and push, and the port and health path of a smoke test against the running container."""

from __future__ import annotations

import re
from typing import Any

from devops_orchestrator.worker.validators.consistency.facts import (
    HEALTH,
    IMAGE,
    PORT,
    Fact,
    image_name,
    url_port_and_path,
)
from devops_orchestrator.worker.validators.consistency.yamllines import load_located

IMAGE_VARIABLES = ("IMAGE", "IMAGE_NAME", "IMAGE_REPOSITORY")
_BUILD_TAG = re.compile(r"docker\s+(?:buildx\s+)?build\b[^\n]*?\s(?:-t|--tag)[= ]\"?([^\s\"']+)")
_LOCAL_URL = re.compile(r"https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0)[^\s\"']*")
_JENKINS_IMAGE = re.compile(
    r"^\s*(?:" + "|".join(IMAGE_VARIABLES) + r")\s*=\s*['\"]([^'\"]+)['\"]", re.M
)


def workflow_facts(file: str, text: str) -> list[Fact]:
    """GitHub Actions and GitLab CI (both YAML): IMAGE variables, build tags, smoke tests."""
    facts: list[Fact] = []
    for document in load_located(text):
        data = document.data
        if not isinstance(data, dict):
            continue
        for path, value in _walk(data, ()):
            line = document.line(*path)
            if path and path[-1] in IMAGE_VARIABLES and path[-2:-1] in (("env",), ("variables",)):
                if image := image_name(str(value)):
                    facts.append(Fact(IMAGE, image, file, line, f"{path[-1]} variable"))
            elif isinstance(value, str):
                facts += _script_facts(file, line, value)
    return facts


def jenkinsfile_facts(file: str, text: str) -> list[Fact]:
    facts = []
    for match in _JENKINS_IMAGE.finditer(text):
        if image := image_name(match.group(1)):
            line = text.count("\n", 0, match.start()) + 1
            facts.append(Fact(IMAGE, image, file, line, "IMAGE variable"))
    for number, line_text in enumerate(text.splitlines(), 1):
        facts += _script_facts(file, number, line_text)
    return facts


def _script_facts(file: str, line: int, script: str) -> list[Fact]:
    facts = []
    for match in _BUILD_TAG.finditer(script):
        if image := image_name(match.group(1)):
            facts.append(Fact(IMAGE, image, file, line, "docker build tag"))
    for match in _LOCAL_URL.finditer(script):
        port, path = url_port_and_path(match.group(0))
        if port:
            facts.append(Fact(PORT, port, file, line, "smoke test port"))
        if path and path != "/":
            facts.append(Fact(HEALTH, path, file, line, "smoke test"))
    return facts


def _walk(data: Any, path: tuple[str | int, ...]) -> list[tuple[tuple[str | int, ...], Any]]:
    found: list[tuple[tuple[str | int, ...], Any]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _walk(value, (*path, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _walk(value, (*path, index))
    else:
        found.append((path, data))
    return found
