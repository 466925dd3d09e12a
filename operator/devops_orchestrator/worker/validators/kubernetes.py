"""Kubernetes manifests: YAML parsing and the API's JSON schemas of our target version
(offline, from the `kubernetes-validate` package, strict: unknown fields are errors).
Kustomizations have no schema there; their `resources` are checked to exist."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import kubernetes_validate

from devops_orchestrator.config import get_settings
from devops_orchestrator.models import Issue, Severity
from devops_orchestrator.worker.validators.yamldocs import Document, load_documents

NAME = "kubernetes-schema"
KUSTOMIZE = "kustomize"


def is_manifest(data: Any) -> bool:
    return isinstance(data, dict) and "apiVersion" in data and "kind" in data


def validate_manifests(workspace: Path, files: Sequence[str]) -> list[Issue]:
    """The offline schema check of every file; then, when a cluster is reachable, the
    server's dry run of the files that passed it (see `kubernetes_dry_run`)."""
    issues: list[Issue] = []
    objects: list[str] = []
    for file in files:
        documents, problems = load_documents(workspace / file, file)
        issues.extend(problems)
        found = [i for d in documents for i in validate_document(workspace, file, d)]
        issues.extend(found)
        kinds = {d.data.get("kind") for d in documents if is_manifest(d.data)}
        if not problems and not found and kinds - {"Kustomization"}:
            objects.append(file)
    if objects and get_settings().kubernetes_dry_run:
        from devops_orchestrator.worker.validators.kubernetes_dry_run import dry_run_manifests

        issues.extend(dry_run_manifests(workspace, objects) or [])
    return issues


def validate_document(workspace: Path, file: str, document: Document) -> list[Issue]:
    data = document.data
    if data is None:
        return []
    if not is_manifest(data):
        return [
            _issue(
                Severity.ERROR,
                file,
                document.line,
                "not a Kubernetes object: apiVersion and kind are required",
                "not-an-object",
            )
        ]
    if data["kind"] == "Kustomization":
        return _check_kustomization(workspace, file, document)
    version = get_settings().kubernetes_version
    try:
        kubernetes_validate.validate(data, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        where = ".".join(str(p) for p in exc.path) or "(root)"
        return [
            _issue(
                Severity.ERROR,
                file,
                document.line,
                f"{data['kind']} {where}: {exc.message}",
                "schema",
            )
        ]
    except kubernetes_validate.SchemaNotFoundError as exc:
        return [_issue(Severity.WARNING, file, document.line, exc.message, "no-schema")]
    return []


def _check_kustomization(workspace: Path, file: str, document: Document) -> list[Issue]:
    data = document.data
    issues: list[Issue] = []
    if not str(data.get("apiVersion", "")).startswith("kustomize.config.k8s.io/"):
        issues.append(
            _issue(
                Severity.ERROR,
                file,
                document.line,
                "a Kustomization's apiVersion is kustomize.config.k8s.io/v1beta1",
                "kustomization",
                KUSTOMIZE,
            )
        )
    base = (workspace / file).parent
    for key in ("resources", "components", "patchesStrategicMerge"):
        entries = data.get(key) or []
        if not isinstance(entries, list):
            issues.append(
                _issue(
                    Severity.ERROR,
                    file,
                    document.line,
                    f"{key} must be a list",
                    "kustomization",
                    KUSTOMIZE,
                )
            )
            continue
        for entry in entries:
            if not isinstance(entry, str):
                issues.append(
                    _issue(
                        Severity.ERROR,
                        file,
                        document.line,
                        f"{key} entries must be strings",
                        "kustomization",
                        KUSTOMIZE,
                    )
                )
            elif "://" not in entry and not (base / entry).exists():
                issues.append(
                    _issue(
                        Severity.ERROR,
                        file,
                        document.line,
                        f"{key} entry {entry!r} does not exist",
                        "kustomization",
                        KUSTOMIZE,
                    )
                )
    return issues


def _issue(
    severity: Severity, file: str, line: int, message: str, rule: str, validator: str = NAME
) -> Issue:
    return Issue(
        severity=severity, validator=validator, rule=rule, file=file, line=line, message=message
    )
