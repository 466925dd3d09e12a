"""`.dockerignore`: keep VCS data, host dependencies, build output and secrets out of the
build context."""

from __future__ import annotations

from devops_orchestrator.worker.generator.render.common import header
from devops_orchestrator.worker.generator.stack import Stack

_COMMON = [
    "# Version control and editors",
    ".git",
    ".gitignore",
    ".idea",
    ".vscode",
    "",
    "# Container, CI and infrastructure files are not part of the image",
    "Dockerfile*",
    ".dockerignore",
    "compose*.yaml",
    "compose*.yml",
    "docker-compose*",
    ".github",
    ".gitlab-ci.yml",
    "Jenkinsfile",
    "k8s",
    "terraform",
    "",
    "# Secrets and local settings never enter an image",
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "",
]
_PER_STACK = {
    "node": [
        "# Node.js",
        "node_modules",
        "dist",
        ".next",
        "coverage",
        "npm-debug.log*",
        "yarn-error.log*",
    ],
    "python": [
        "# Python",
        "__pycache__",
        "*.py[cod]",
        ".venv",
        "venv",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        "*.egg-info",
    ],
    "go": ["# Go", "bin", "*.test", "coverage.out"],
    "java": ["# Java", "target", "build", ".gradle", "*.class"],
    "rust": ["# Rust", "target"],
    "static": ["# Static site", "node_modules", "*.md"],
}


def render_dockerignore(stack: Stack) -> str:
    lines = [*_COMMON, *_PER_STACK.get(stack.kind, [])]
    return header() + "\n".join(lines) + "\n"
