"""Where the application is when the workspace root has no manifest: a service folder of a
monorepo (`services/api`, `apps/web`, `backend`, ...), at most two levels down."""

from __future__ import annotations

from pathlib import Path

from devops_orchestrator.worker.generator.detect.code import SKIP_DIRS

MANIFESTS = (
    "package.json",
    "requirements.txt",
    "pyproject.toml",
    "Pipfile",
    "go.mod",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "Cargo.toml",
    "composer.json",
    "Gemfile",
)
MAX_FOLDERS = 50


def service_folders(workspace: Path) -> list[str]:
    """Workspace-relative folders holding a manifest (or a .csproj), shallowest first."""
    found: list[str] = []
    for depth in (1, 2):
        for folder in sorted(workspace.glob("/".join(["*"] * depth))):
            relative = folder.relative_to(workspace)
            if any(p in SKIP_DIRS or p.startswith(".") for p in relative.parts):
                continue
            if folder.is_dir() and not folder.is_symlink() and _has_manifest(folder):
                found.append(relative.as_posix())
            if len(found) >= MAX_FOLDERS:
                return found
    return found


def _has_manifest(folder: Path) -> bool:
    return any((folder / m).is_file() for m in MANIFESTS) or any(folder.glob("*.csproj"))
