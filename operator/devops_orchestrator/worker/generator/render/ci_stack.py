"""The stack's CI commands and the GitHub Actions steps that set up its toolchain."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from devops_orchestrator.worker.generator.render.docker_node import node_image
from devops_orchestrator.worker.generator.render.docker_python import python_image
from devops_orchestrator.worker.generator.stack import Stack


@dataclass
class CiCommands:
    setup: list[dict[str, Any]] = field(default_factory=list)  # GitHub Actions steps
    image: str = ""  # container image for GitLab CI jobs
    install: str = ""
    lint: list[str] = field(default_factory=list)
    test: str = ""
    build: str = ""


def ci_commands(stack: Stack) -> CiCommands:
    builder = {
        "node": _node,
        "python": _python,
        "go": _go,
        "java": _java,
        "rust": _rust,
    }.get(stack.kind, _static)
    return builder(stack)


def _node(stack: Stack) -> CiCommands:
    manager = stack.package_manager or "npm"
    version = stack.language_version.split(".", 1)[0] or "20"
    setup: list[dict[str, Any]] = []
    if manager == "pnpm":
        setup.append({"uses": "pnpm/action-setup@v4", "with": {"version": 9}})
    node: dict[str, Any] = {"node-version": version}
    if stack.lockfile:
        node["cache"] = manager
    setup.append({"name": "Set up Node.js", "uses": "actions/setup-node@v4", "with": node})
    install = {
        "npm": "npm ci" if stack.lockfile else "npm install",
        "yarn": "yarn install --frozen-lockfile",
        "pnpm": "pnpm install --frozen-lockfile",
    }[manager]
    return CiCommands(
        setup=setup,
        image=node_image(stack.language_version),
        install=install,
        lint=[stack.lint_command] if stack.lint_command else [],
        test=stack.test_command,
        build=stack.build_command,
    )


def _python(stack: Stack) -> CiCommands:
    version = stack.language_version or "3.12"
    manifest = "requirements.txt" if stack.package_manager == "pip" else "pyproject.toml"
    install = (
        "python -m pip install -r requirements.txt"
        if manifest == "requirements.txt"
        else "python -m pip install ."
    )
    tools = "ruff pytest" if stack.test_command else "ruff"
    return CiCommands(
        setup=[
            {
                "name": "Set up Python",
                "uses": "actions/setup-python@v5",
                "with": {
                    "python-version": version,
                    "cache": "pip",
                    "cache-dependency-path": manifest,
                },
            }
        ],
        image=python_image(version),
        install=f"{install}\npython -m pip install {tools}",
        lint=["ruff check ."],
        test=stack.test_command,
        build=stack.build_command,
    )


def _go(stack: Stack) -> CiCommands:
    version = ".".join((stack.language_version or "1.23").split(".")[:2])
    return CiCommands(
        setup=[
            {
                "name": "Set up Go",
                "uses": "actions/setup-go@v5",
                "with": {"go-version-file": "go.mod"},
            }
        ],
        image=f"golang:{version}-bookworm",
        install="go mod download",
        lint=["go vet ./...", 'test -z "$(gofmt -l .)"'],
        test="go test -race ./...",
        build="go build ./...",
    )


def _java(stack: Stack) -> CiCommands:
    java = (stack.language_version or "21").split(".", 1)[0]
    gradle = stack.package_manager == "gradle"
    return CiCommands(
        setup=[
            {
                "name": "Set up Java",
                "uses": "actions/setup-java@v4",
                "with": {
                    "distribution": "temurin",
                    "java-version": java,
                    "cache": "gradle" if gradle else "maven",
                },
            }
        ],
        image=f"gradle:8.10-jdk{java}" if gradle else f"maven:3.9-eclipse-temurin-{java}",
        install="",
        lint=[stack.lint_command],
        test=stack.test_command,
        build=stack.build_command,
    )


def _rust(stack: Stack) -> CiCommands:
    version = ".".join((stack.language_version or "1.82").split(".")[:2])
    cache = {
        "name": "Cache cargo registry and target",
        "uses": "actions/cache@v4",
        "with": {
            "path": "~/.cargo/registry\n~/.cargo/git\ntarget\n",
            "key": "cargo-${{ runner.os }}-${{ hashFiles('**/Cargo.lock', '**/Cargo.toml') }}",
        },
    }
    return CiCommands(
        setup=[cache],
        image=f"rust:{version}-slim-bookworm",
        install="rustup component add clippy rustfmt",
        lint=["cargo fmt --all --check", stack.lint_command],
        test=stack.test_command,
        build=stack.build_command,
    )


def _static(stack: Stack) -> CiCommands:
    root = stack.entry or "."
    return CiCommands(
        image="alpine:3.20",
        lint=[f'test -f "{root}/index.html"'],
    )
