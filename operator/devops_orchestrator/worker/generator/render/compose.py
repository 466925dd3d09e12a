"""Compose files: `compose.yaml` for development, `compose.prod.yaml` for production."""

from __future__ import annotations

from typing import Any

import yaml

from devops_orchestrator.worker.generator.detect.hints import Hints
from devops_orchestrator.worker.generator.render.common import DockerfilePlan, header
from devops_orchestrator.worker.generator.render.stacks import renderer_for
from devops_orchestrator.worker.generator.stack import Stack


def _healthcheck(plan: DockerfilePlan) -> dict[str, Any] | None:
    """The Dockerfile's own HEALTHCHECK command, so both always agree."""
    if not plan.healthcheck or not plan.probe:
        return None
    return {
        "test": ["CMD", *plan.probe],
        "interval": "30s",
        "timeout": "5s",
        "retries": 3,
        "start_period": "20s",
    }


def _environment(stack: Stack) -> dict[str, str]:
    renderer = renderer_for(stack.kind)
    variable = renderer.port_variable(stack) if renderer else "PORT"
    return {variable: str(stack.port)}


def _dependencies(hints: Hints) -> tuple[dict[str, Any], dict[str, Any]]:
    """Backing services the task names, with their named volumes."""
    services: dict[str, Any] = {}
    volumes: dict[str, Any] = {}
    if hints.mentions("postgres", "database"):
        services["db"] = {
            "image": "postgres:16.4-alpine3.20",
            "environment": {
                "POSTGRES_DB": "app",
                "POSTGRES_USER": "app",
                "POSTGRES_PASSWORD": "${POSTGRES_PASSWORD:-dev-only-password}",
            },
            "volumes": ["db-data:/var/lib/postgresql/data"],
            "healthcheck": {
                "test": ["CMD", "pg_isready", "-U", "app"],
                "interval": "10s",
                "timeout": "5s",
                "retries": 5,
            },
            "networks": ["backend"],
        }
        volumes["db-data"] = {}
    if hints.mentions("redis"):
        services["cache"] = {
            "image": "redis:7.4-alpine3.20",
            "volumes": ["cache-data:/data"],
            "healthcheck": {
                "test": ["CMD", "redis-cli", "ping"],
                "interval": "10s",
                "timeout": "5s",
                "retries": 5,
            },
            "networks": ["backend"],
        }
        volumes["cache-data"] = {}
    return services, volumes


def render_compose_dev(stack: Stack, plan: DockerfilePlan, hints: Hints) -> str:
    dependencies, volumes = _dependencies(hints)
    build: dict[str, Any] = {"context": stack.root or ".", "dockerfile": "Dockerfile"}
    if "AS runtime" in plan.text:
        build["target"] = "runtime"
    service: dict[str, Any] = {
        "build": build,
        "image": f"{stack.app_name}:dev",
        "ports": [f"{stack.port}:{stack.port}"],
        "environment": _environment(stack),
        "networks": ["backend"],
        "restart": "unless-stopped",
    }
    if health := _healthcheck(plan):
        service["healthcheck"] = health
    if dependencies:
        service["depends_on"] = {name: {"condition": "service_healthy"} for name in dependencies}
    document: dict[str, Any] = {
        "name": stack.app_name,
        "services": {stack.app_name: service, **dependencies},
        "networks": {"backend": {}},
    }
    if volumes:
        document["volumes"] = volumes
    return header() + "# Development: docker compose up --build\n" + _dump(document)


def render_compose_prod(stack: Stack, plan: DockerfilePlan, hints: Hints, image: str) -> str:
    dependencies, volumes = _dependencies(hints)
    for dependency in dependencies.values():
        dependency["restart"] = "unless-stopped"
    service: dict[str, Any] = {
        "image": f"${{IMAGE:-{image}}}",
        "restart": "unless-stopped",
        "read_only": True,
        "tmpfs": ["/tmp"],
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges:true"],
        "ports": [f"{stack.port}:{stack.port}"],
        "environment": _environment(stack),
        "networks": ["backend"],
        "deploy": {
            "resources": {
                "limits": {"cpus": "1.0", "memory": "512M"},
                "reservations": {"cpus": "0.25", "memory": "128M"},
            }
        },
        "logging": {"driver": "json-file", "options": {"max-size": "10m", "max-file": "3"}},
    }
    if health := _healthcheck(plan):
        service["healthcheck"] = health
    if dependencies:
        service["depends_on"] = {name: {"condition": "service_healthy"} for name in dependencies}
    document: dict[str, Any] = {
        "name": stack.app_name,
        "services": {stack.app_name: service, **dependencies},
        "networks": {"backend": {}},
    }
    if volumes:
        document["volumes"] = volumes
    return (
        header()
        + "# Production: IMAGE=<registry>/<app>:<tag> docker compose -f compose.prod.yaml up -d\n"
        + _dump(document)
    )


def _dump(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, default_flow_style=False, width=100)
