"""Dockerfile for Java: Maven or Gradle build stage, a JRE runtime as a non-root user."""

from __future__ import annotations

from devops_orchestrator.worker.generator.render.common import (
    DockerfilePlan,
    header,
    wget_healthcheck,
)
from devops_orchestrator.worker.generator.stack import Stack

APP_UID = 10001


def render_java_dockerfile(stack: Stack) -> DockerfilePlan:
    java = (stack.language_version or "21").split(".", 1)[0]
    runtime = f"eclipse-temurin:{java}-jre-alpine"
    if stack.package_manager == "gradle":
        image = f"gradle:8.10-jdk{java}"
        build = (
            "COPY . .\n"
            "RUN --mount=type=cache,target=/home/gradle/.gradle \\\n"
            "    gradle bootJar --no-daemon -x test && \\\n"
            "    find build/libs -name '*.jar' ! -name '*-plain.jar' -exec cp {} /tmp/app.jar \\;\n"
        )
    else:
        image = f"maven:3.9-eclipse-temurin-{java}"
        build = (
            "COPY pom.xml ./\n"
            "RUN --mount=type=cache,target=/root/.m2 mvn -B -q dependency:go-offline\n"
            "COPY src ./src\n"
            "RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests package && \\\n"
            "    find target -maxdepth 1 -name '*.jar' -exec cp {} /tmp/app.jar \\;\n"
        )
    lines = [
        "# syntax=docker/dockerfile:1\n",
        header(),
        f"# Java {stack.label}: dependencies resolved before the sources are copied; the\n",
        "# runtime stage holds only a JRE and the application jar.\n",
        f"FROM {image} AS build\n",
        "WORKDIR /src\n",
        build,
        f"\nFROM {runtime} AS runtime\n",
        f"RUN addgroup -S -g {APP_UID} app && adduser -S -D -H -u {APP_UID} -G app app\n",
        "WORKDIR /app\n",
        "COPY --from=build /tmp/app.jar ./app.jar\n",
        f"USER {APP_UID}\n",
        f'ENV SERVER_PORT={stack.port} JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75"\n',
        f"EXPOSE {stack.port}\n",
    ]
    if stack.health_path:
        lines.append(wget_healthcheck(stack.port, stack.health_path))
    lines.append('ENTRYPOINT ["java", "-jar", "/app/app.jar"]\n')
    return DockerfilePlan(
        "".join(lines), runtime, image, APP_UID, healthcheck=bool(stack.health_path)
    )
