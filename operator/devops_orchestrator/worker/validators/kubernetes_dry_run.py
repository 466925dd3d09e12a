"""Kubernetes manifests against a real API server: `kubectl apply --dry-run=server`, which
runs admission and validation without persisting anything. Only when a cluster is
reachable (a kubeconfig in KUBECONFIG, or the in-cluster service account); otherwise the
offline schema check stands alone. A server that refuses us the dry run (RBAC) is a note,
not a finding."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from devops_orchestrator.models import Issue, Severity
from devops_orchestrator.worker.validators.tools import find_tool, run_tool
from devops_orchestrator.worker.validators.yamldocs import load_documents

NAME = "kubernetes-dry-run"
# What kubectl needs to find the cluster; nothing else of the worker's environment.
CLUSTER_VARIABLES = ("KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT")
_SERVER_ERROR = re.compile(r"^Error from server \((\w+)\): (.*)$")
_INVALID = re.compile(r'^The (\w+) "([^"]+)" is invalid: (.*)$')
_FILE = re.compile(r'"([^"]+\.ya?ml)"')
_UNREACHABLE = (
    "Unable to connect to the server",
    "connection refused",
    "no configuration has been provided",
    "couldn't get current server API group list",
    "i/o timeout",
    "no such host",
)


def cluster_environment() -> dict[str, str] | None:
    """The variables that point kubectl at a cluster, or None when there is none."""
    found = {k: os.environ[k] for k in CLUSTER_VARIABLES if os.environ.get(k)}
    in_cluster = "KUBERNETES_SERVICE_HOST" in found
    return found if in_cluster or "KUBECONFIG" in found else None


def dry_run_manifests(workspace: Path, files: Sequence[str]) -> list[Issue] | None:
    """Issues from the server, or None when no cluster could be asked."""
    binary, cluster = find_tool("kubectl"), cluster_environment()
    if not files or binary is None or cluster is None:
        return None
    argv = [str(binary), "apply", "--dry-run=server", "--request-timeout=15s", "-o", "name"]
    for file in files:
        argv += ["-f", file]
    run = run_tool(argv, workspace, extra_environment=cluster)
    if run.returncode == 0:
        return []
    if any(marker in run.stderr for marker in _UNREACHABLE):
        return None
    return _issues(workspace, run.stderr, files)


def _issues(workspace: Path, stderr: str, files: Sequence[str]) -> list[Issue]:
    issues: list[Issue] = []
    for line in stderr.splitlines():
        found = _parse(workspace, line.strip(), files)
        if found is None:
            continue
        reason, file, message = found
        if reason == "NotFound" and "namespaces" in message:
            continue  # the namespace is created by the same apply
        severity = Severity.INFO if reason == "Forbidden" else Severity.ERROR
        issues.append(
            Issue(
                severity=severity,
                validator=NAME,
                rule=reason,
                file=file,
                message=message[:500]
                if severity == Severity.ERROR
                else f"the server refused the dry run ({message[:200]}); schema check only",
            )
        )
    if not issues and stderr.strip():
        detail = stderr.strip().splitlines()[-1][:500]
        issues.append(
            Issue(severity=Severity.WARNING, validator=NAME, rule="dry-run-failed", message=detail)
        )
    return issues


def _parse(workspace: Path, line: str, files: Sequence[str]) -> tuple[str, str | None, str] | None:
    """(reason, file, message) of one kubectl error line; None for other lines."""
    if match := _INVALID.match(line):
        kind, name, detail = match.groups()
        return "Invalid", _file_of(workspace, files, kind, name), f"{kind} {name}: {detail}"
    if match := _SERVER_ERROR.match(line):
        reason, detail = match.groups()
        named = _FILE.search(detail)
        file = named.group(1) if named and named.group(1) in files else None
        return reason, file, detail
    return None


def _file_of(workspace: Path, files: Sequence[str], kind: str, name: str) -> str | None:
    """The file that holds the object the server named (kubectl does not say)."""
    for file in files:
        documents, _ = load_documents(workspace / file, file)
        for document in documents:
            data = document.data if isinstance(document.data, dict) else {}
            metadata = data.get("metadata") or {}
            if data.get("kind") == kind and metadata.get("name") == name:
                return file
    return None
