"""Cross-artifact consistency: the port, health path, image name and start command that
the Dockerfile, compose files, Kubernetes manifests, Terraform and CI pipelines state
must agree. It reads the whole workspace (a new Deployment must agree with an existing
Dockerfile), so it runs after every worker, whichever engine wrote the files."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterator
from pathlib import Path, PurePosixPath

from devops_orchestrator.models import Issue
from devops_orchestrator.worker.validators.consistency.ci import (
    jenkinsfile_facts,
    workflow_facts,
)
from devops_orchestrator.worker.validators.consistency.compare import NAME, compare_facts
from devops_orchestrator.worker.validators.consistency.compose import compose_facts
from devops_orchestrator.worker.validators.consistency.dockerfile import dockerfile_facts
from devops_orchestrator.worker.validators.consistency.facts import Fact
from devops_orchestrator.worker.validators.consistency.kubernetes import kubernetes_facts

__all__ = ["NAME", "artifact_kind", "check_consistency"]

MAX_FILES = 200
MAX_BYTES = 512 * 1024
_SKIP_DIRS = frozenset(
    {".git", "node_modules", "vendor", ".venv", "venv", "target", "dist", ".terraform"}
)
Extract = Callable[[str, str], list[Fact]]


def artifact_kind(file: str) -> tuple[str, Extract] | None:
    """The artifact kind of a workspace-relative path and its fact extractor."""
    path = PurePosixPath(file)
    lower = path.name.lower()
    is_yaml = lower.endswith((".yaml", ".yml"))
    if lower in ("dockerfile", "containerfile") or lower.startswith("dockerfile."):
        return "dockerfile", dockerfile_facts
    if lower.endswith(".dockerfile"):
        return "dockerfile", dockerfile_facts
    if is_yaml and lower.startswith(("compose", "docker-compose")):
        return "compose", compose_facts
    if is_yaml and (
        path.parent.as_posix().endswith(".github/workflows") or lower == ".gitlab-ci.yml"
    ):
        return "ci", workflow_facts
    if path.name == "Jenkinsfile":
        return "ci", jenkinsfile_facts
    if lower.endswith(".tf"):
        return "terraform", _no_facts  # read by `_terraform_facts`, which needs the folder
    if is_yaml:
        return "kubernetes", kubernetes_facts
    return None


def check_consistency(workspace: Path, changed: Collection[str] | None = None) -> list[Issue]:
    """Mismatches between the workspace's artifacts; with `changed`, only those that
    involve a changed file."""
    root = workspace.resolve()
    facts: dict[str, list[Fact]] = {}
    for file in _artifact_files(root):
        found = artifact_kind(file)
        if found is None:
            continue
        kind, extract = found
        try:
            text = (root / file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # the file validators report unreadable files
        if kind == "terraform":
            found_facts = _terraform_facts(root, file, text)
        else:
            found_facts = extract(file, text)
        facts.setdefault(kind, []).extend(found_facts)
    return compare_facts(facts, changed)


def _no_facts(file: str, text: str) -> list[Fact]:
    return []


def _terraform_facts(root: Path, file: str, text: str) -> list[Fact]:
    """Imported on first use (python-hcl2 and lark cost a worker's start-up); `var.x` is
    resolved within the module's folder."""
    from devops_orchestrator.worker.validators.consistency.terraform import terraform_facts

    return terraform_facts(file, text, (root / file).parent)


def _artifact_files(root: Path) -> Iterator[str]:
    """Artifact files, pruning dependency folders before descending into them."""
    count = 0
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(names):
            path = Path(folder) / name
            relative = path.relative_to(root).as_posix()
            if artifact_kind(relative) is None or path.is_symlink():
                continue
            if not path.is_file() or path.stat().st_size > MAX_BYTES:
                continue
            count += 1
            if count > MAX_FILES:
                return
            yield relative
