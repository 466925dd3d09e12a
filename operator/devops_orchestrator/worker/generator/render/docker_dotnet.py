"""ASP.NET Core: restore with a NuGet cache, publish in the SDK image, run on the slim
ASP.NET runtime as a non-root user. The runtime image has no HTTP client, so health is
probed by the orchestrator (Kubernetes), not by a HEALTHCHECK."""

from __future__ import annotations

from devops_orchestrator.worker.generator.render.common import (
    CiCommands,
    DockerfilePlan,
    StackRenderer,
    exec_form,
    header,
)
from devops_orchestrator.worker.generator.stack import Stack

APP_UID = 10001
NUGET_CACHE = "--mount=type=cache,target=/root/.nuget/packages"


def dotnet_version(stack: Stack) -> str:
    return ".".join((stack.language_version or "8.0").split(".")[:2])


def render_dotnet_dockerfile(stack: Stack) -> DockerfilePlan:
    version = dotnet_version(stack)
    sdk = f"mcr.microsoft.com/dotnet/sdk:{version}-bookworm-slim"
    runtime = f"mcr.microsoft.com/dotnet/aspnet:{version}-bookworm-slim"
    text = (
        "# syntax=docker/dockerfile:1\n"
        + header()
        + f"# .NET {stack.label}: restore before the sources are copied (cached), publish,\n"
        "# run the published app on the ASP.NET runtime image.\n"
        "# checkov:skip=CKV_DOCKER_2:no HTTP client in the ASP.NET image; Kubernetes probes\n"
        f"FROM {sdk} AS build\n"
        "WORKDIR /src\n"
        "COPY *.csproj ./\n"
        f"RUN {NUGET_CACHE} dotnet restore\n"
        "COPY . .\n"
        f"RUN {NUGET_CACHE} dotnet publish -c Release --no-restore -o /app/publish\n"
        f"\nFROM {runtime} AS runtime\n"
        "WORKDIR /app\n"
        "COPY --from=build /app/publish ./\n"
        f"USER {APP_UID}:{APP_UID}\n"
        f"ENV ASPNETCORE_HTTP_PORTS={stack.port} DOTNET_RUNNING_IN_CONTAINER=true\n"
        f"EXPOSE {stack.port}\n"
        f"ENTRYPOINT {exec_form(['dotnet', stack.entry or 'app.dll'])}\n"
    )
    notes = ["the ASP.NET runtime image has no HTTP client; health probed by Kubernetes"]
    return DockerfilePlan(text, runtime, sdk, APP_UID, healthcheck=False, notes=notes)


def dotnet_ci(stack: Stack) -> CiCommands:
    return CiCommands(
        setup=[
            {
                "name": "Set up .NET",
                "uses": "actions/setup-dotnet@v4",
                "with": {"dotnet-version": f"{dotnet_version(stack)}.x"},
            }
        ],
        image=f"mcr.microsoft.com/dotnet/sdk:{dotnet_version(stack)}-bookworm-slim",
        install="dotnet restore",
        lint=[stack.lint_command],
        test=stack.test_command,
        build=stack.build_command,
    )


def aspnet_port_variable(stack: Stack) -> str:
    return "ASPNETCORE_HTTP_PORTS"


RENDERER = StackRenderer(
    kinds=("dotnet",),
    dockerfile=render_dotnet_dockerfile,
    ci=dotnet_ci,
    dockerignore=("# .NET", "bin", "obj", "*.user", "TestResults"),
    port_variable=aspnet_port_variable,
)
