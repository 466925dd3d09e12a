"""JVM: pom.xml or build.gradle(.kts); Java or Kotlin; Spring Boot (server.port, Actuator)
or Ktor (application.conf, embeddedServer); the Gradle project name from settings."""

from __future__ import annotations

import re
from pathlib import Path

from devops_orchestrator.worker.generator.detect.code import (
    find_health_path,
    find_port,
    read_all,
    source_files,
)
from devops_orchestrator.worker.generator.detect.hints import Hints, dns_label
from devops_orchestrator.worker.generator.stack import Stack, StackDetector

_PROPERTIES_PORT = re.compile(r"^\s*server\.port\s*[=:]\s*\$?\{?(?:PORT:)?(\d{2,5})", re.M)
_YAML_PORT = re.compile(
    r"^server:\s*\n(?:[ \t]+.*\n)*?[ \t]+port:\s*\$?\{?(?:PORT:)?(\d{2,5})", re.M
)
_KTOR_PORTS = (
    re.compile(r"embeddedServer\([^)]*?port\s*=\s*(\d{2,5})"),
    re.compile(r"^\s*port\s*[=:]\s*(\d{2,5})", re.M),  # application.conf / .yaml
    re.compile(r"""getenv\("PORT"\)[^\n]*?(\d{2,5})"""),
)
_PROJECT_NAME = re.compile(r"""rootProject\.name\s*=\s*["']([\w.-]+)["']""")
_BASE_PATH = re.compile(r"management\.endpoints\.web\.base-path\s*[=:]\s*(/[\w/-]*)")


def detect_java(workspace: Path, hints: Hints) -> Stack | None:
    pom, gradle = workspace / "pom.xml", _gradle_file(workspace)
    if not pom.is_file() and gradle is None:
        return None
    build = (pom if pom.is_file() else gradle).read_text(  # type: ignore[union-attr]
        encoding="utf-8", errors="replace"
    )
    kotlin = (workspace / "src/main/kotlin").is_dir() or 'kotlin("jvm")' in build
    stack = Stack(
        kind="kotlin" if kotlin else "java",
        package_manager="maven" if pom.is_file() else "gradle",
    )
    project = _artifact(build, stack.package_manager) or _gradle_project(workspace)
    stack.app_name = dns_label(project or workspace.name) or "app"
    stack.entry = project or workspace.name  # the installDist folder and start script
    spring = "spring-boot" in build or "org.springframework.boot" in build
    ktor = "io.ktor" in build
    stack.framework = "spring-boot" if spring else ("ktor" if ktor else "")
    version = (
        re.search(r"<java\.version>(\d+)</java\.version>", build)
        or re.search(r"jvmToolchain\((\d+)\)", build)
        or re.search(
            r"(?:languageVersion\s*=\s*JavaLanguageVersion\.of\(|sourceCompatibility\s*=\s*['\"]?"
            r"(?:JavaVersion\.VERSION_)?)(\d+)",
            build,
        )
    )
    stack.language_version = version.group(1) if version else "21"
    wrapper = "./mvnw" if (workspace / "mvnw").is_file() else "mvn"
    if stack.package_manager == "gradle":
        wrapper = "./gradlew" if (workspace / "gradlew").is_file() else "gradle"
        stack.build_command = f"{wrapper} build -x test"
        stack.test_command = f"{wrapper} test"
        stack.lint_command = f"{wrapper} check -x test"
    else:
        stack.build_command = f"{wrapper} -B -DskipTests package"
        stack.test_command = f"{wrapper} -B test"
        stack.lint_command = f"{wrapper} -B validate"
    config = read_all(source_files(workspace, (".properties", ".yml", ".yaml", ".conf")))
    config = [(p, t) for p, t in config if p.stem.startswith(("application", "bootstrap"))]
    stack.port = 8080
    for _, text in config:
        match = _PROPERTIES_PORT.search(text) or _YAML_PORT.search(text + "\n")
        if match:
            stack.port, stack.port_source = int(match.group(1)), "code"
            break
    if ktor:
        code = read_all(source_files(workspace, (".kt",)))
        port = find_port([*code, *config], _KTOR_PORTS)
        if port is not None:
            stack.port, stack.port_source = port, "code"
    elif spring and stack.port_source == "default":
        stack.port_source = "framework"  # Spring Boot's own default
    stack.port_from_env = any("${PORT" in t for _, t in config)
    if spring and "spring-boot-starter-actuator" in build:
        base = next((m.group(1) for _, t in config if (m := _BASE_PATH.search(t))), "/actuator")
        stack.health_path, stack.health_source = base.rstrip("/") + "/health", "actuator"
    else:
        health = find_health_path(read_all(source_files(workspace, (".java", ".kt"))))
        if health:
            stack.health_path, stack.health_source = health, "code"
    return stack


def _gradle_project(workspace: Path) -> str:
    for name in ("settings.gradle.kts", "settings.gradle"):
        path = workspace / name
        if path.is_file():
            match = _PROJECT_NAME.search(path.read_text(encoding="utf-8", errors="replace"))
            if match:
                return match.group(1)
    return ""


def _gradle_file(workspace: Path) -> Path | None:
    for name in ("build.gradle.kts", "build.gradle"):
        if (workspace / name).is_file():
            return workspace / name
    return None


def _artifact(build: str, manager: str) -> str:
    if manager == "maven":
        without_parent = re.sub(r"<parent>.*?</parent>", "", build, flags=re.S)
        match = re.search(r"<artifactId>([^<]+)</artifactId>", without_parent)
        return match.group(1) if match else ""
    return ""


DETECTOR = StackDetector(
    detect=detect_java, priority=40, kind="java", aliases=("spring", "kotlin", "jvm")
)
