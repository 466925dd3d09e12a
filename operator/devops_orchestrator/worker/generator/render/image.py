"""The image reference: explicit in the task, from an earlier stage, or from the registry."""

from __future__ import annotations

from collections.abc import Mapping

from devops_orchestrator.models import WorkerResult
from devops_orchestrator.worker.generator.detect.hints import Hints

DEFAULT_REGISTRY = "ghcr.io"
DEFAULT_ORG = "my-org"
_ORG_REGISTRIES = ("ghcr.io", "docker.io", "quay.io", "registry.gitlab.com")


def image_reference(app: str, hints: Hints, previous: Mapping[str, WorkerResult]) -> str:
    if hints.image:
        return hints.image if ":" in hints.image.rsplit("/", 1)[-1] else f"{hints.image}:latest"
    for result in previous.values():
        extra = result.model_extra or {}
        info = extra.get("deployment_info") or {}
        config = extra.get("docker_config") or {}
        for candidate in (info.get("image"), config.get("image")):
            if isinstance(candidate, str) and candidate:
                return candidate
    registry = hints.registry or DEFAULT_REGISTRY
    if "/" in registry or registry not in _ORG_REGISTRIES:
        return f"{registry}/{app}:latest"
    return f"{registry}/{hints.org or DEFAULT_ORG}/{app}:latest"


def image_repository(image: str) -> str:
    """`ghcr.io/org/app:1.0` -> `ghcr.io/org/app` (a digest or tag removed)."""
    name = image.split("@", 1)[0]
    head, _, last = name.rpartition("/")
    return f"{head}/{last.split(':', 1)[0]}" if head else last.split(":", 1)[0]


def registry_host(image: str) -> str:
    first = image.split("/", 1)[0]
    return first if "/" in image and ("." in first or ":" in first) else "docker.io"
