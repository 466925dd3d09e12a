"""Where the bridge finds and creates DevOpsTasks: the Kubernetes API (real cluster)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from devops_orchestrator.adapters import tasks


class TaskStore(Protocol):
    def create(self, manifest: Mapping[str, Any]) -> bool: ...

    def get(self, namespace: str, name: str) -> dict[str, Any] | None: ...

    def list(self, label_selector: str = "") -> list[dict[str, Any]]: ...

    def annotate(self, namespace: str, name: str, annotations: Mapping[str, str]) -> bool: ...


@dataclass(frozen=True)
class KubeTaskStore:
    """DevOpsTasks through the API server; `namespaces` empty = every namespace."""

    namespaces: Sequence[str] = ()

    def create(self, manifest: Mapping[str, Any]) -> bool:
        return tasks.create_task(manifest)

    def get(self, namespace: str, name: str) -> dict[str, Any] | None:
        return tasks.get_task(namespace, name)

    def list(self, label_selector: str = "") -> list[dict[str, Any]]:
        return tasks.list_tasks(self.namespaces, label_selector)

    def annotate(self, namespace: str, name: str, annotations: Mapping[str, str]) -> bool:
        return tasks.annotate_task(namespace, name, annotations)
