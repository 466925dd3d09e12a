"""GitLab CI: YAML, GitLab's own JSON schema of `.gitlab-ci.yml` (the copy that
check-jsonschema vendors and keeps current), then what a schema cannot express: stages
must be declared, `needs` and `extends` must resolve, jobs need a script."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from devops_orchestrator.models import Issue, Severity
from devops_orchestrator.worker.validators.yamldocs import load_documents

NAME = "gitlab-ci"
GLOBAL_KEYWORDS = frozenset(
    {
        "default",
        "include",
        "stages",
        "variables",
        "workflow",
        "image",
        "services",
        "cache",
        "before_script",
        "after_script",
        "spec",
    }
)
DEFAULT_STAGES = ("build", "test", "deploy")
BUILTIN_STAGES = (".pre", ".post")


def validate_gitlab_files(workspace: Path, files: Sequence[str]) -> list[Issue]:
    issues: list[Issue] = []
    for file in files:
        documents, problems = load_documents(workspace / file, file)
        issues.extend(problems)
        if not problems:
            # A `spec:` header document may come first; the pipeline is the last document.
            data = documents[-1].data if documents else None
            issues.extend(check_gitlab(data, file))
    return issues


@lru_cache(maxsize=1)
def _schema_validator() -> jsonschema.Draft7Validator:
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor")
    return jsonschema.Draft7Validator(json.loads(vendored.joinpath("gitlab-ci.json").read_text()))


def _schema_issues(data: Any, file: str) -> list[Issue]:
    issues = []
    for error in sorted(_schema_validator().iter_errors(data), key=lambda e: list(e.path)):
        # oneOf/anyOf errors carry the useful reason in their most specific sub-error
        best = jsonschema.exceptions.best_match([error, *error.context]) or error
        where = ".".join(str(p) for p in error.absolute_path) or "(root)"
        issues.append(_error(file, f"{where}: {best.message[:300]}", "schema"))
    return issues


def check_gitlab(data: Any, file: str) -> list[Issue]:
    if isinstance(data, dict) and (schema_issues := _schema_issues(data, file)):
        return schema_issues
    if not isinstance(data, dict):
        return [_error(file, "the pipeline must be a mapping of jobs", "structure")]
    stages = data.get("stages", list(DEFAULT_STAGES))
    if not isinstance(stages, list):
        return [_error(file, "stages must be a list", "stages")]
    known_stages = {*map(str, stages), *BUILTIN_STAGES}
    jobs = {k: v for k, v in data.items() if k not in GLOBAL_KEYWORDS}
    issues: list[Issue] = []
    visible = [name for name in jobs if not str(name).startswith(".")]
    if not visible:
        issues.append(_error(file, "the pipeline defines no job", "structure"))
    for name, job in jobs.items():
        if not isinstance(job, dict):
            issues.append(_error(file, f"job {name!r} must be a mapping", "job"))
            continue
        hidden = str(name).startswith(".")
        if not hidden and not ({"script", "trigger", "extends", "run"} & job.keys()):
            issues.append(_error(file, f"job {name!r} has no script", "job"))
        stage = job.get("stage", "test")
        if not hidden and str(stage) not in known_stages:
            issues.append(_error(file, f"job {name!r} uses undeclared stage {stage!r}", "stages"))
        for key in ("needs", "dependencies"):
            for need in job.get(key) or []:
                target = need.get("job") if isinstance(need, dict) else need
                if isinstance(target, str) and target not in jobs:
                    issues.append(_error(file, f"job {name!r} {key} unknown job {target!r}", key))
        extends = job.get("extends") or []
        for parent in [extends] if isinstance(extends, str) else extends:
            if parent not in jobs:
                issues.append(
                    _error(file, f"job {name!r} extends unknown job {parent!r}", "extends")
                )
    return issues


def _error(file: str, message: str, rule: str) -> Issue:
    return Issue(severity=Severity.ERROR, validator=NAME, rule=rule, file=file, message=message)
