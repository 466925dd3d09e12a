"""What the briefing says explicitly: context keys and "Key: value" lines in the text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from devops_orchestrator.models import Briefing

_PORT = re.compile(r"\bport\s*(?:[:=]|is|on)?\s*(\d{2,5})\b", re.IGNORECASE)
_VERSION = re.compile(
    r"\b(node(?:\.js)?|python|go(?:lang)?|java|jdk|rust)\s+version\s*[:=]?\s*v?(\d+(?:\.\d+)?)",
    re.IGNORECASE,
)
_ENTRY = re.compile(r"\bentry\s*point\s*[:=]\s*([\w./:-]+)", re.IGNORECASE)
_PACKAGE_MANAGER = re.compile(r"\bpackage\s+manager\s*[:=]\s*(npm|yarn|pnpm|bun)\b", re.IGNORECASE)
_HEALTH = re.compile(
    r"\bhealth\s*(?:check|endpoint|path)?\s*(?:[:=]|at|on)\s*(/[\w./-]*)", re.IGNORECASE
)
_CLOUDS = {
    "aws": ("aws", "amazon web services", "eks", "ecr"),
    "gcp": ("gcp", "google cloud", "gke", "artifact registry"),
    "azure": ("azure", "aks", "acr"),
}


@dataclass
class Hints:
    text: str = ""  # description, requirements and prompt, lower-cased
    port: int | None = None
    port_source: str = ""
    language_version: str = ""
    entry: str = ""
    package_manager: str = ""
    health_path: str = ""
    project_type: str = ""
    app_name: str = ""
    registry: str = ""
    image: str = ""
    org: str = ""
    cloud: str = ""
    namespace: str = ""
    domain: str = ""

    def mentions(self, *words: str) -> bool:
        return any(re.search(rf"\b{re.escape(w)}", self.text) for w in words)

    @property
    def wants_production(self) -> bool:
        return self.mentions("production", "prod ", "prod-", "release")

    @property
    def wants_ingress(self) -> bool:
        return bool(self.domain) or self.mentions(
            "ingress", "expose", "public", "internet", "external", "domain", "https"
        )

    @property
    def wants_scaling(self) -> bool:
        return self.mentions("scal", "autoscal", "hpa", "replicas")

    @property
    def ci_provider(self) -> str:
        if self.mentions("gitlab"):
            return "gitlab"
        if self.mentions("jenkins"):
            return "jenkins"
        return "github"


def read_hints(briefing: Briefing) -> Hints:
    context = briefing.context
    text = "\n".join([briefing.description, *briefing.requirements])
    hints = Hints(text=text.lower())
    _from_text(hints, text)
    _from_context(hints, context)
    return hints


def _from_text(hints: Hints, text: str) -> None:
    if match := _PORT.search(text):
        hints.port, hints.port_source = int(match.group(1)), "briefing"
    if match := _VERSION.search(text):
        hints.language_version = match.group(2)
    if match := _ENTRY.search(text):
        hints.entry = match.group(1).rstrip(".")
    if match := _PACKAGE_MANAGER.search(text):
        hints.package_manager = match.group(1).lower()
    if match := _HEALTH.search(text):
        hints.health_path = match.group(1).rstrip(".")
    for cloud, words in _CLOUDS.items():
        if hints.mentions(*words):
            hints.cloud = cloud
            break


def _from_context(hints: Hints, context: dict[str, Any]) -> None:
    def text(*keys: str) -> str:
        for key in keys:
            value = context.get(key)
            if isinstance(value, str | int | float) and str(value).strip():
                return str(value).strip()
        return ""

    port = text("port", "app_port", "container_port")
    if port.isdigit() and 0 < int(port) < 65536:
        hints.port, hints.port_source = int(port), "context"
    version = text(
        "node_version",
        "python_version",
        "go_version",
        "java_version",
        "rust_version",
        "language_version",
    )
    hints.language_version = version or hints.language_version
    hints.entry = text("entry_point", "entrypoint", "entry") or hints.entry
    manager = text("package_manager").lower()
    if manager in ("npm", "yarn", "pnpm", "bun"):
        hints.package_manager = manager
    hints.health_path = text("health_path", "health_endpoint", "health_check") or hints.health_path
    hints.project_type = text("project_type", "language", "stack")
    hints.app_name = _dns_label(text("app_name", "app", "service_name", "name"))
    hints.registry = text("registry", "container_registry").rstrip("/")
    hints.image = text("image", "image_name")
    hints.org = text("org", "organization", "github_org", "owner")
    cloud = text("cloud_provider", "cloud", "provider").lower()
    if cloud in ("aws", "amazon"):
        hints.cloud = "aws"
    elif cloud in ("gcp", "google", "gke"):
        hints.cloud = "gcp"
    elif cloud in ("azure", "aks"):
        hints.cloud = "azure"
    hints.namespace = _dns_label(text("namespace", "k8s_namespace"))
    hints.domain = text("domain", "host", "hostname")


def _dns_label(value: str) -> str:
    label = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")
    return label[:63].strip("-")


dns_label = _dns_label
