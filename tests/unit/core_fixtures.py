"""Builders shared by the core tests: definitions with the issue's keyword table."""

from __future__ import annotations

from devops_orchestrator.models import AgentDefinition

KEYWORDS = {
    "docker-worker": [
        "container", "dockerfile", "docker-compose", "image", "build", "registry", "volumes",
        "network",
    ],
    "ci-worker": [
        "ci", "cd", "pipeline", "github actions", "gitlab", "jenkins", "workflow", "build",
        "test", "deploy",
    ],
    "infra-worker": [
        "infrastructure", "terraform", "aws", "gcp", "azure", "kubernetes", "k8s", "cloud",
        "server", "scaling",
    ],
}  # fmt: skip
AFTER = {
    "docker-worker": [],
    "infra-worker": ["docker-worker"],
    "ci-worker": ["docker-worker", "infra-worker"],
}


def make_definitions() -> tuple[AgentDefinition, ...]:
    return tuple(
        AgentDefinition(name=name, description=name, keywords=KEYWORDS[name], after=AFTER[name])
        for name in ("docker-worker", "ci-worker", "infra-worker")
    )
