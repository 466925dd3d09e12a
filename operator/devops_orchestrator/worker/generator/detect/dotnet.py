"""ASP.NET Core: a .csproj with the Web SDK; the port from Kestrel settings
(launchSettings.json, appsettings.json, `app.Run("http://...")`, ASPNETCORE_URLS), health
checks from `MapHealthChecks` or a health-named route."""

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

DEFAULT_PORT = 8080  # ASPNETCORE_HTTP_PORTS of the official images since .NET 8
_PORTS = (
    re.compile(r"""\.Run\(\s*"https?://[^":]*:(\d{2,5})"""),
    re.compile(r"""UseUrls\(\s*"https?://[^":]*:(\d{2,5})"""),
    re.compile(r"""ListenAnyIP\(\s*(\d{2,5})"""),
    re.compile(r"""ASPNETCORE_(?:HTTP_PORTS|URLS)[^\n]*?(\d{4,5})"""),
    re.compile(r""""Url"\s*:\s*"https?://[^":]*:(\d{2,5})"""),  # Kestrel endpoints
    re.compile(r""""applicationUrl"\s*:\s*"http://[^":]*:(\d{2,5})"""),  # launchSettings
)
_FRAMEWORK = re.compile(r"<TargetFramework>net(\d+\.\d+)</TargetFramework>")


def detect_dotnet(workspace: Path, hints: Hints) -> Stack | None:
    projects = sorted(workspace.glob("*.csproj"))
    if not projects:
        return None
    project = projects[0]
    text = project.read_text(encoding="utf-8", errors="replace")
    web = "Microsoft.NET.Sdk.Web" in text
    stack = Stack(kind="dotnet", framework="aspnetcore" if web else "", package_manager="nuget")
    name = re.search(r"<AssemblyName>([\w.-]+)</AssemblyName>", text)
    stack.entry = f"{name.group(1) if name else project.stem}.dll"
    stack.app_name = dns_label(project.stem) or "app"
    version = _FRAMEWORK.search(text)
    stack.language_version = version.group(1) if version else "8.0"
    sources = read_all(source_files(workspace, (".cs", ".json")))
    port = find_port(sources, _PORTS)
    if port is not None:
        stack.port, stack.port_source = port, "code"
    else:
        stack.port, stack.port_source = DEFAULT_PORT, "framework"
    stack.port_from_env = True  # Kestrel reads ASPNETCORE_HTTP_PORTS
    health = find_health_path([(p, t) for p, t in sources if p.suffix == ".cs"])
    if health:
        stack.health_path, stack.health_source = health, "code"
    stack.build_command = "dotnet build --no-restore -c Release"
    stack.test_command = "dotnet test --no-build -c Release" if _has_tests(workspace) else ""
    stack.lint_command = "dotnet format --verify-no-changes"
    return stack


def _has_tests(workspace: Path) -> bool:
    return any(workspace.glob("*Tests*/*.csproj")) or any(workspace.glob("tests/*/*.csproj"))


DETECTOR = StackDetector(
    detect=detect_dotnet, priority=7, kind="dotnet", aliases=("csharp", "aspnet", ".net")
)
