"""JVM (Java and Kotlin): a Maven or Gradle build stage with its dependency cache, a JRE
runtime as a non-root user. Spring Boot runs its boot jar; a Ktor (or other Gradle
application) runs the start script of `gradle installDist`."""

from __future__ import annotations

from devops_orchestrator.worker.generator.render.common import (
    CiCommands,
    DockerfilePlan,
    StackRenderer,
    exec_form,
    header,
    serving_lines,
    wget_probe,
)
from devops_orchestrator.worker.generator.stack import Stack

APP_UID = 10001
GRADLE_CACHE = "--mount=type=cache,target=/home/gradle/.gradle"


def _build(stack: Stack, java: str) -> tuple[str, str, list[str]]:
    """The build image, its steps, and the runtime's command."""
    if stack.package_manager == "gradle" and stack.framework != "spring-boot":
        name = stack.entry or stack.app_name
        steps = (
            "COPY . .\n"
            f"RUN {GRADLE_CACHE} gradle installDist --no-daemon -x test && \\\n"
            f"    cp -r build/install/{name} /tmp/app\n"
        )
        return f"gradle:8.10-jdk{java}", steps, [f"/app/bin/{name}"]
    if stack.package_manager == "gradle":
        steps = (
            "COPY . .\n"
            f"RUN {GRADLE_CACHE} gradle bootJar --no-daemon -x test && \\\n"
            "    mkdir /tmp/app && \\\n"
            "    find build/libs -name '*.jar' ! -name '*-plain.jar' \\\n"
            "    -exec cp {} /tmp/app/app.jar \\;\n"
        )
        return f"gradle:8.10-jdk{java}", steps, ["java", "-jar", "/app/app.jar"]
    steps = (
        "COPY pom.xml ./\n"
        "RUN --mount=type=cache,target=/root/.m2 mvn -B -q dependency:go-offline\n"
        "COPY src ./src\n"
        "RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests package && \\\n"
        "    mkdir /tmp/app && \\\n"
        "    find target -maxdepth 1 -name '*.jar' -exec cp {} /tmp/app/app.jar \\;\n"
    )
    return f"maven:3.9-eclipse-temurin-{java}", steps, ["java", "-jar", "/app/app.jar"]


def render_java_dockerfile(stack: Stack) -> DockerfilePlan:
    java = (stack.language_version or "21").split(".", 1)[0]
    runtime = f"eclipse-temurin:{java}-jre-alpine"
    image, steps, command = _build(stack, java)
    probe = wget_probe(stack) if stack.health_path else []
    lines = [
        "# syntax=docker/dockerfile:1\n",
        header(),
        f"# JVM {stack.label}: dependencies resolved in a cached build stage; the runtime\n",
        "# stage holds only a JRE and the application.\n",
        f"FROM {image} AS build\n",
        "WORKDIR /src\n",
        steps,
        f"\nFROM {runtime} AS runtime\n",
        f"RUN addgroup -S -g {APP_UID} app && adduser -S -D -H -u {APP_UID} -G app app\n",
        "WORKDIR /app\n",
        "COPY --from=build /tmp/app/ /app/\n",
        *serving_lines(
            stack,
            str(APP_UID),
            probe,
            f'{port_variable(stack)}={stack.port} JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75"',
        ),
    ]
    lines.append(f"ENTRYPOINT {exec_form(command)}\n")
    return DockerfilePlan(
        "".join(lines), runtime, image, APP_UID, healthcheck=bool(probe), probe=probe
    )


def port_variable(stack: Stack) -> str:
    return "SERVER_PORT" if stack.framework == "spring-boot" else "PORT"


def java_ci(stack: Stack) -> CiCommands:
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


RENDERER = StackRenderer(
    kinds=("java", "kotlin"),
    dockerfile=render_java_dockerfile,
    ci=java_ci,
    dockerignore=("# JVM", "target", "build", ".gradle", "*.class"),
    port_variable=port_variable,
    large_memory=True,
)
