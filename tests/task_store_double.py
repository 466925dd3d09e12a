"""A TaskStore (adapters/tasks.py) that keeps DevOpsTasks in a dict and records every
create: for consumer tests on a real Redis that need no cluster. Label selectors are
honoured as the API server does for the forms the bridge uses (`k=v`, `!k`)."""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from typing import Any

from devops_orchestrator.core.status import is_settled


def matches(labels: Mapping[str, str], selector: str) -> bool:
    for term in filter(None, (t.strip() for t in selector.split(","))):
        if term.startswith("!"):
            if term[1:] in labels:
                return False
        else:
            key, _, value = term.partition("=")
            if labels.get(key) != value:
                return False
    return True


class RecordingStore:
    """`watching`: as the operator's live watch would, it holds every object (`held`,
    `held_tasks`) once `show` was called for it, until it is settled (the watch forgets a
    settled task at once); otherwise nothing is held."""

    def __init__(self, watching: bool = False) -> None:
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}
        self.created: list[dict[str, Any]] = []
        self.lists: list[tuple[str, str | None]] = []
        self.gets: list[tuple[str, str]] = []
        self.annotated: list[tuple[str, str]] = []
        self.watching = watching
        self.shown: set[tuple[str, str]] = set()

    def show(self, namespace: str, name: str) -> None:
        """The watch delivers the object's event."""
        self.shown.add((namespace, name))

    def create(self, manifest: Mapping[str, Any]) -> bool:
        body = deepcopy(dict(manifest))
        key = (body["metadata"]["namespace"], body["metadata"]["name"])
        self.created.append(body)
        if key in self.objects:
            return False
        self.objects[key] = body
        return True

    def get(self, namespace: str, name: str) -> dict[str, Any] | None:
        self.gets.append((namespace, name))
        found = self.objects.get((namespace, name))
        return deepcopy(found) if found is not None else None

    def held(self, namespace: str, name: str) -> dict[str, Any] | None:
        if not self.watching:
            return None  # as KubeTaskStore without a watch: only the API server knows
        found = self.objects.get((namespace, name))
        shown = (namespace, name) in self.shown
        return deepcopy(found) if found is not None and shown and not is_settled(found) else None

    def held_tasks(self, namespace: str) -> list[dict[str, Any]] | None:
        if not self.watching:
            return None
        shown = [key for key in self.objects if key in self.shown and key[0] == namespace]
        return [deepcopy(self.objects[k]) for k in shown if not is_settled(self.objects[k])]

    def list(self, label_selector: str = "", namespace: str | None = None) -> list[dict[str, Any]]:
        self.lists.append((label_selector, namespace))
        return [
            deepcopy(body)
            for (ns, _), body in self.objects.items()
            if (namespace is None or ns == namespace)
            and matches(body["metadata"].get("labels") or {}, label_selector)
        ]

    def annotate(
        self,
        namespace: str,
        name: str,
        annotations: Mapping[str, str],
        labels: Mapping[str, str] | None = None,
    ) -> bool:
        self.annotated.append((namespace, name))
        body = self.objects.get((namespace, name))
        if body is None:
            return False
        body["metadata"].setdefault("annotations", {}).update(annotations)
        body["metadata"].setdefault("labels", {}).update(labels or {})
        return True
