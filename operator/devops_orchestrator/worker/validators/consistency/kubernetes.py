"""Facts of Kubernetes manifests: the workload's application container (ports, HTTP
probes, image, command), Services' numeric target ports, Kustomization image names."""

from __future__ import annotations

from typing import Any

from devops_orchestrator.worker.validators.consistency.facts import (
    COMMAND,
    HEALTH,
    IMAGE,
    PORT,
    Fact,
    image_name,
)
from devops_orchestrator.worker.validators.consistency.yamllines import (
    LocatedDocument,
    load_located,
)

WORKLOADS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"})
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")


def kubernetes_facts(file: str, text: str) -> list[Fact]:
    facts: list[Fact] = []
    for document in load_located(text):
        data = document.data
        if not isinstance(data, dict):
            continue
        kind = data.get("kind")
        if kind in WORKLOADS:
            facts += _workload(file, document, data)
        elif kind == "Service":
            facts += _service(file, document, data)
        elif kind == "Kustomization":
            facts += _kustomization(file, document, data)
    return facts


def _workload(file: str, document: LocatedDocument, data: dict[str, Any]) -> list[Fact]:
    pod = _get(data, "spec", "template", "spec")
    containers = pod.get("containers") if isinstance(pod, dict) else None
    if not isinstance(containers, list) or not containers:
        return []
    # The application is the container named after the workload, else the first one.
    name = _get(data, "metadata", "name")
    index = next(
        (i for i, c in enumerate(containers) if isinstance(c, dict) and c.get("name") == name), 0
    )
    container = containers[index]
    if not isinstance(container, dict):
        return []
    at = ("spec", "template", "spec", "containers", index)
    kind = str(data.get("kind"))
    facts: list[Fact] = []
    named: dict[str, str] = {}
    for i, port in enumerate(container.get("ports") or []):
        if isinstance(port, dict) and str(port.get("containerPort", "")).isdigit():
            value = str(port["containerPort"])
            named[str(port.get("name", ""))] = value
            line = document.line(*at, "ports", i, "containerPort")
            facts.append(Fact(PORT, value, file, line, f"{kind} containerPort"))
    for probe in PROBES:
        get = _get(container, probe, "httpGet")
        if not isinstance(get, dict):
            continue
        line = document.line(*at, probe, "httpGet")
        if isinstance(get.get("path"), str):
            facts.append(Fact(HEALTH, get["path"], file, line, f"{kind} {probe}"))
        port = str(get.get("port", ""))
        if port.isdigit() and port not in named.values():
            facts.append(Fact(PORT, port, file, line, f"{kind} {probe} port"))
    if image := image_name(str(container.get("image", ""))):
        facts.append(Fact(IMAGE, image, file, document.line(*at, "image"), f"{kind} image"))
    words = [*(container.get("command") or []), *(container.get("args") or [])]
    if words:
        line = document.line(*at, "command" if container.get("command") else "args")
        facts.append(Fact(COMMAND, " ".join(map(str, words)), file, line, f"{kind} command"))
    return facts


def _service(file: str, document: LocatedDocument, data: dict[str, Any]) -> list[Fact]:
    facts = []
    for i, port in enumerate(_get(data, "spec", "ports") or []):
        target = str(port.get("targetPort", "")) if isinstance(port, dict) else ""
        if target.isdigit():
            line = document.line("spec", "ports", i, "targetPort")
            facts.append(Fact(PORT, target, file, line, "Service targetPort"))
    return facts


def _kustomization(file: str, document: LocatedDocument, data: dict[str, Any]) -> list[Fact]:
    facts = []
    for i, entry in enumerate(data.get("images") or []):
        if not isinstance(entry, dict):
            continue
        if image := image_name(str(entry.get("newName") or entry.get("name") or "")):
            line = document.line("images", i)
            facts.append(Fact(IMAGE, image, file, line, "kustomization images"))
    return facts


def _get(data: Any, *path: str) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data
