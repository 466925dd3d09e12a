"""Facts of a compose file's application services (those built here, or not a well-known
backing service): published container ports, the healthcheck URL, image, command."""

from __future__ import annotations

from typing import Any

from devops_orchestrator.worker.validators.consistency.facts import (
    COMMAND,
    HEALTH,
    IMAGE,
    PORT,
    Fact,
    image_name,
    url_port_and_path,
)
from devops_orchestrator.worker.validators.consistency.yamllines import (
    LocatedDocument,
    load_located,
)

BACKING_IMAGES = frozenset(
    {
        "postgres",
        "mysql",
        "mariadb",
        "mongo",
        "redis",
        "valkey",
        "memcached",
        "rabbitmq",
        "elasticsearch",
        "opensearch",
        "nginx",
        "traefik",
        "caddy",
        "localstack/localstack",
        "minio/minio",
    }
)


def compose_facts(file: str, text: str) -> list[Fact]:
    facts: list[Fact] = []
    for document in load_located(text):
        services = document.data.get("services") if isinstance(document.data, dict) else None
        if not isinstance(services, dict):
            continue
        for name, service in services.items():
            if isinstance(service, dict) and _is_application(service):
                facts += _service_facts(file, document, str(name), service)
    return facts


def _is_application(service: dict[str, Any]) -> bool:
    if "build" in service:
        return True
    image = image_name(str(service.get("image", ""))) or ""
    return image.removeprefix("docker.io/").removeprefix("library/") not in BACKING_IMAGES


def _service_facts(
    file: str, document: LocatedDocument, name: str, service: dict[str, Any]
) -> list[Fact]:
    at = ("services", name)
    facts: list[Fact] = []
    for index, entry in enumerate(service.get("ports") or []):
        port = _container_port(entry)
        if port:
            facts.append(Fact(PORT, port, file, document.line(*at, "ports", index), "ports"))
    test = (service.get("healthcheck") or {}).get("test")
    if test:
        text = " ".join(map(str, test)) if isinstance(test, list) else str(test)
        port, path = url_port_and_path(text)
        line = document.line(*at, "healthcheck", "test")
        if port:
            facts.append(Fact(PORT, port, file, line, "healthcheck port"))
        if path:
            facts.append(Fact(HEALTH, path, file, line, "healthcheck"))
    if image := image_name(str(service.get("image", ""))):
        facts.append(Fact(IMAGE, image, file, document.line(*at, "image"), "image"))
    command = service.get("command")
    if command:
        words = " ".join(map(str, command)) if isinstance(command, list) else str(command)
        facts.append(Fact(COMMAND, words, file, document.line(*at, "command"), "command"))
    return facts


def _container_port(entry: Any) -> str | None:
    """`8080`, `"3000:8080"`, `"127.0.0.1:3000:8080/tcp"`, `{target: 8080}` -> the
    container side; None for ranges and variables."""
    if isinstance(entry, dict):
        value = str(entry.get("target", ""))
    else:
        value = str(entry).rsplit(":", 1)[-1].split("/", 1)[0]
    return value if value.isdigit() else None
