"""Compose files: YAML, then our own compact compose schema (`compose_schema.json`, see
its $comment: no package ships the upstream compose-spec schema offline), then the
references a schema cannot express (named volumes and networks declared, depends_on
naming services, every service with an image or a build)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from devops_orchestrator.models import Issue, Severity
from devops_orchestrator.worker.validators.yamldocs import load_documents

NAME = "compose-schema"


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    text = resources.files(__package__).joinpath("compose_schema.json").read_text("utf-8")
    # The schema ships with us and a test checks it against the metaschema: checking it
    # again here cost each worker about 0.3 CPU-s.
    return jsonschema.Draft202012Validator(json.loads(text))


def validate_compose_files(workspace: Path, files: Sequence[str]) -> list[Issue]:
    issues: list[Issue] = []
    for file in files:
        documents, problems = load_documents(workspace / file, file)
        issues.extend(problems)
        if problems:
            continue
        if len(documents) != 1:
            issues.append(_error(file, "a compose file holds one YAML document", "document"))
            continue
        issues.extend(check_compose(documents[0].data, file))
    return issues


def check_compose(data: Any, file: str) -> list[Issue]:
    issues = [
        _error(
            file, f"{'.'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}", "schema"
        )
        for e in sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    ]
    if issues or not isinstance(data, dict):
        return issues
    return _check_references(data, file)


def _check_references(data: dict[str, Any], file: str) -> list[Issue]:
    issues: list[Issue] = []
    services: dict[str, Any] = data.get("services") or {}
    volumes = set((data.get("volumes") or {}).keys())
    networks = set((data.get("networks") or {}).keys()) | {"default"}
    is_override = ".override." in Path(file).name
    for name, service in services.items():
        service = service or {}
        if not is_override and "image" not in service and "build" not in service:
            issues.append(_error(file, f"service {name!r} has neither image nor build", "service"))
        for volume in service.get("volumes") or []:
            source = _named_volume(volume)
            if source is not None and source not in volumes:
                issues.append(
                    _error(file, f"service {name!r} uses undeclared volume {source!r}", "reference")
                )
        service_networks = service.get("networks") or []
        for network in service_networks:
            if network not in networks:
                issues.append(
                    _error(
                        file, f"service {name!r} uses undeclared network {network!r}", "reference"
                    )
                )
        for dependency in service.get("depends_on") or []:
            if dependency not in services:
                issues.append(
                    _error(
                        file,
                        f"service {name!r} depends on unknown service {dependency!r}",
                        "reference",
                    )
                )
    return issues


def _named_volume(volume: Any) -> str | None:
    """The named volume a service mount uses; None for binds, tmpfs and anonymous ones."""
    if isinstance(volume, str):
        source, sep, _ = volume.partition(":")
        named = sep and not source.startswith((".", "/", "~", "$"))
        return source if named else None
    if isinstance(volume, dict) and volume.get("type") == "volume" and volume.get("source"):
        return str(volume["source"])
    return None


def _error(file: str, message: str, rule: str) -> Issue:
    return Issue(severity=Severity.ERROR, validator=NAME, rule=rule, file=file, message=message)
