"""Facts of Terraform (parsed with python-hcl2): the ECR repository's name (the image),
`kubernetes_deployment` containers, load balancer target groups' port and health path.
`var.x` is resolved from the defaults of the module's variables (same folder)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from devops_orchestrator.worker.validators.consistency.facts import (
    HEALTH,
    IMAGE,
    PORT,
    Fact,
    image_name,
)
from devops_orchestrator.worker.validators.terraform import (
    TerraformSyntaxError,
    parse_terraform,
)

_VARIABLE = re.compile(r"^\$\{var\.(\w+)\}$")
MAX_MODULE_FILES = 50


def parse_hcl(text: str) -> dict[str, Any]:
    """The document, or {} for what python-hcl2 cannot parse (the Terraform validator
    reports it)."""
    try:
        return parse_terraform(text)
    except TerraformSyntaxError:
        return {}


def terraform_facts(file: str, text: str, folder: Path | None = None) -> list[Fact]:
    variables = _variable_defaults(folder) if folder is not None else {}
    facts: list[Fact] = []
    for block in parse_hcl(text).get("resource", []):
        for kind, named in (block or {}).items():
            for name, body in (named or {}).items():
                if isinstance(body, dict):
                    line = _line_of(text, kind, str(name))
                    facts += _resource(file, line, kind, body, variables)
    return facts


def _line_of(text: str, kind: str, name: str) -> int | None:
    """python-hcl2 keeps no positions: the line of the block's header."""
    header = re.search(rf'^\s*resource\s+"{re.escape(kind)}"\s+"{re.escape(name)}"', text, re.M)
    return text.count("\n", 0, header.start()) + 1 if header else None


def _resource(
    file: str, line: int | None, kind: str, body: dict[str, Any], variables: dict[str, str]
) -> list[Fact]:
    def value(key: str, data: dict[str, Any] = body) -> str:
        return _resolve(data.get(key), variables)

    if kind == "aws_ecr_repository" and (name := image_name(value("name"))):
        return [Fact(IMAGE, name, file, line, "aws_ecr_repository name")]
    if kind == "aws_lb_target_group":
        facts = []
        if value("port").isdigit() and value("target_type") == "ip":
            facts.append(Fact(PORT, value("port"), file, line, "aws_lb_target_group port"))
        for check in _blocks(body.get("health_check")):
            if value("path", check).startswith("/"):
                facts.append(Fact(HEALTH, value("path", check), file, line, "health_check"))
        return facts
    if kind in ("kubernetes_deployment", "kubernetes_deployment_v1"):
        return _deployment(file, line, body, variables)
    return []


def _deployment(
    file: str, line: int | None, body: dict[str, Any], variables: dict[str, str]
) -> list[Fact]:
    facts: list[Fact] = []
    for spec in _blocks(body.get("spec")):
        for template in _blocks(spec.get("template")):
            for pod in _blocks(template.get("spec")):
                for container in _blocks(pod.get("container"))[:1]:
                    image = image_name(_resolve(container.get("image"), variables))
                    if image:
                        facts.append(Fact(IMAGE, image, file, line, "kubernetes_deployment"))
                    for port in _blocks(container.get("port")):
                        value = _resolve(port.get("container_port"), variables)
                        if value.isdigit():
                            facts.append(Fact(PORT, value, file, line, "container_port"))
                    for probe in ("liveness_probe", "readiness_probe", "startup_probe"):
                        for found in _blocks(container.get(probe)):
                            for get in _blocks(found.get("http_get")):
                                path = _resolve(get.get("path"), variables)
                                if path.startswith("/"):
                                    facts.append(Fact(HEALTH, path, file, line, probe))
    return facts


def _blocks(value: Any) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]


def _resolve(value: Any, variables: dict[str, str]) -> str:
    text = _unquote(value)
    if match := _VARIABLE.match(text):
        return variables.get(match.group(1), text)
    return text


def _unquote(value: Any) -> str:
    text = "" if value is None or isinstance(value, dict | list) else str(value)
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _variable_defaults(folder: Path) -> dict[str, str]:
    defaults: dict[str, str] = {}
    for path in sorted(folder.glob("*.tf"))[:MAX_MODULE_FILES]:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for block in parse_hcl(text).get("variable", []):
            for name, body in (block or {}).items():
                if isinstance(body, dict) and "default" in body:
                    defaults[str(name)] = _unquote(body["default"])
    return defaults
