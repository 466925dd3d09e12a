"""Validators: real tools over the files a worker created or changed.

`validate_files(workspace, files)` picks, per file, every validator that applies:

| file                                   | validator                                   |
|----------------------------------------|---------------------------------------------|
| Dockerfile, Dockerfile.*, *.Dockerfile | hadolint                                    |
| .github/workflows/*.yml / *.yaml       | actionlint (+ shellcheck on `run:` scripts) |
| compose.yaml, docker-compose*.yml, ... | YAML + compose schema + references          |
| .gitlab-ci.yml                         | YAML + GitLab structure                     |
| Jenkinsfile                            | declarative pipeline structure              |
| *.tf                                   | HCL syntax (python-hcl2)                    |
| any other *.yaml / *.yml               | YAML; Kubernetes schema when it has kind    |

Then one checkov run over those of the configured frameworks (`DEVOPS_CHECKOV_FRAMEWORKS`,
by default Terraform and Kubernetes manifests, which no validator above checks for
security; Dockerfiles, GitHub and GitLab pipelines on request): security findings with
their check ids. A worker that wrote none of them does not start checkov (seconds of CPU).

Findings come back as `Issue`s (severity, validator, rule, file, line). A validator whose
tool is missing reports an error issue instead of passing silently."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

from devops_orchestrator.config import get_settings
from devops_orchestrator.models import Issue, Severity

__all__ = ["classify", "has_errors", "load_validator", "validate_files"]

Validator = Callable[[Path, Sequence[str]], list[Issue]]

# kind -> (module, function). Imported only when a file of that kind is there: a worker
# start-up should not pay for jsonschema, the Kubernetes schemas or YAML it never checks.
_VALIDATORS: dict[str, tuple[str, str]] = {
    "hadolint": ("hadolint", "validate_dockerfiles"),
    "actionlint": ("actionlint", "validate_workflows"),
    "compose": ("compose", "validate_compose_files"),
    "gitlab-ci": ("gitlab", "validate_gitlab_files"),
    "jenkinsfile": ("jenkins", "validate_jenkinsfiles"),
    "yaml": ("kubernetes", "validate_manifests"),
    "terraform": ("terraform", "validate_terraform_files"),
}
# kind -> the checkov framework that scans it; checkov runs once over all the files of
# the configured frameworks (its start-up takes seconds).
CHECKOV_FRAMEWORK_OF_KIND = {
    "hadolint": "dockerfile",
    "actionlint": "github_actions",
    "gitlab-ci": "gitlab_ci",
    "yaml": "kubernetes",
    "terraform": "terraform",
}


def load_validator(kind: str) -> Validator:
    module, function = _VALIDATORS[kind]
    validator: Validator = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    return validator


def classify(file: str) -> str | None:
    """The validator a workspace-relative path belongs to, or None when none applies."""
    path = PurePosixPath(file)
    name = path.name
    lower = name.lower()
    if (
        lower in ("dockerfile", "containerfile")
        or lower.startswith("dockerfile.")
        or (lower.endswith(".dockerfile"))
    ):
        return "hadolint"
    is_yaml = lower.endswith((".yml", ".yaml"))
    if is_yaml and path.parent.as_posix().endswith(".github/workflows"):
        return "actionlint"
    if is_yaml and (lower.startswith(("compose.", "docker-compose"))):
        return "compose"
    if lower == ".gitlab-ci.yml":
        return "gitlab-ci"
    if name == "Jenkinsfile" or lower.endswith(".jenkinsfile"):
        return "jenkinsfile"
    if is_yaml:
        return "yaml"
    if lower.endswith(".tf"):
        return "terraform"
    return None


def validate_files(workspace: Path, files: Sequence[str]) -> list[Issue]:
    """Run every applicable validator on `files` (paths relative to `workspace`, or
    absolute inside it). Files no validator knows are ignored; missing ones are errors."""
    root = workspace.resolve()
    groups: dict[str, list[str]] = {}
    issues: list[Issue] = []
    for file in files:
        relative, problem = _relative(root, file)
        if problem is not None:
            issues.append(problem)
            continue
        kind = classify(relative)
        if kind is not None:
            groups.setdefault(kind, []).append(relative)
    for kind, group in groups.items():
        issues.extend(load_validator(kind)(root, sorted(set(group))))
    settings = get_settings()
    if settings.checkov_enabled:
        frameworks, scanned = checkov_scope(groups, settings.checkov_frameworks)
        if scanned:  # imported only then: most workers never start checkov
            from devops_orchestrator.worker.validators.checkov import validate_with_checkov

            issues.extend(validate_with_checkov(root, scanned, frameworks))
    return issues


def checkov_scope(
    groups: dict[str, list[str]], configured: str
) -> tuple[tuple[str, ...], list[str]]:
    """The checkov frameworks to run and the files they scan: those of `groups` (kind ->
    files) whose framework is `configured` (comma-separated names, or `all`)."""
    wanted = {name.strip() for name in configured.split(",") if name.strip()}
    if "all" in wanted:
        wanted = set(CHECKOV_FRAMEWORK_OF_KIND.values())
    frameworks: set[str] = set()
    scanned: set[str] = set()
    for kind, group in groups.items():
        framework = CHECKOV_FRAMEWORK_OF_KIND.get(kind)
        if framework in wanted:
            frameworks.add(framework)
            scanned.update(group)
    return tuple(sorted(frameworks)), sorted(scanned)


def has_errors(issues: Sequence[Issue]) -> bool:
    return any(issue.severity == Severity.ERROR for issue in issues)


def _relative(root: Path, file: str) -> tuple[str, Issue | None]:
    path = Path(file)
    full = (path if path.is_absolute() else root / path).resolve()
    if not full.is_relative_to(root):
        return file, _problem(file, "the file is outside the workspace", "outside-workspace")
    if not full.is_file():
        return file, _problem(file, "the file does not exist", "missing-file")
    return full.relative_to(root).as_posix(), None


def _problem(file: str, message: str, rule: str) -> Issue:
    return Issue(
        severity=Severity.ERROR, validator="validate", rule=rule, file=file, message=message
    )
