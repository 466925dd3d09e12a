"""`output.artifacts`: the generated files themselves, for a network without a shared
workspace. Pure.

Path (as the network names it) -> text content. Text only (a JSON string cannot carry
bytes faithfully), and capped: the network's Redis runs with 256 MB and evicts any key
under pressure, so one result must stay small. Every file left out is listed in
`issues`, with why."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from devops_orchestrator import constants as c
from devops_orchestrator.core.network_paths import name_for_network, workspace_of

DEFAULT_MAX_BYTES = 256 * 1024
VALIDATOR = "artifacts"
INDEX_KEY = c.ARTIFACTS_INDEX_KEY


@dataclass(frozen=True)
class OutputArtifacts:
    files: dict[str, str] = field(default_factory=dict)
    issues: list[dict[str, Any]] = field(default_factory=list)


def _left_out(path: str, rule: str, message: str, worker: str | None) -> dict[str, Any]:
    issue: dict[str, Any] = {
        "severity": "warning",
        "message": message,
        "file": path,
        "validator": VALIDATOR,
        "rule": rule,
    }
    if worker:
        issue["worker"] = worker
    return issue


def build_output_artifacts(
    files: Mapping[str, bytes],
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    owners: Mapping[str, str] | None = None,
) -> OutputArtifacts:
    """The artifacts of `files` (path -> bytes, in the order to keep them: the first
    files fit first). `owners` names the worker of each path for its issues."""
    owners = owners or {}
    kept: dict[str, str] = {}
    issues: list[dict[str, Any]] = []
    total = 0
    for path, content in files.items():
        worker = owners.get(path)
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            message = f"{path} is not in output.artifacts: not UTF-8 text"
            issues.append(_left_out(path, "binary", message, worker))
            continue
        size = len(content) + len(path.encode("utf-8"))
        if total + size > max_bytes:
            message = f"{path} is not in output.artifacts: the {max_bytes}-byte cap was reached"
            issues.append(_left_out(path, "truncated", message, worker))
            continue
        total += size
        kept[path] = text
    return OutputArtifacts(kept, issues)


def add_output_artifacts(result: Mapping[str, Any], artifacts: OutputArtifacts) -> dict[str, Any]:
    """A copy of the result object with `artifacts` and the issues of files left out."""
    merged = dict(result)
    merged["artifacts"] = dict(artifacts.files)
    merged["issues"] = [*(result.get("issues") or []), *artifacts.issues]
    return merged


def wants_output_artifacts(spec: Mapping[str, Any]) -> bool:
    """Files travel in the output only when they are nowhere the network can reach:
    no shared volume and no git workspace (the workers wrote into scratch space)."""
    workspace = spec.get("workspace")
    return not (
        isinstance(workspace, Mapping) and (workspace.get("volume") or workspace.get("git"))
    )


def artifact_sources(result: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(worker, artifacts ConfigMap) of each worker whose result names one, in order."""
    details = result.get("details")
    if not isinstance(details, Mapping):
        return []
    sources = []
    for worker, detail in details.items():
        name = detail.get("artifacts_configmap") if isinstance(detail, Mapping) else None
        if isinstance(name, str) and name:
            sources.append((str(worker), name))
    return sources


def parse_artifact_files(
    data: Mapping[str, str] | None, binary_data: Mapping[str, str] | None
) -> dict[str, bytes]:
    """{path in the workspace: content} of one artifacts ConfigMap."""
    data, binary_data = data or {}, binary_data or {}
    try:
        index = json.loads(data.get(INDEX_KEY) or "{}")
    except ValueError:
        index = {}
    index = index if isinstance(index, dict) else {}
    files = {str(index.get(k, k)): v.encode("utf-8") for k, v in data.items() if k != INDEX_KEY}
    for key, value in binary_data.items():
        files[str(index.get(key, key))] = base64.b64decode(value)
    return files


def collect_files(
    by_worker: Mapping[str, Mapping[str, bytes]], context: Mapping[str, Any]
) -> tuple[dict[str, bytes], dict[str, str]]:
    """The workers' files named as the network names them, and the worker of each (the
    later worker wins when two wrote the same path: it saw the earlier one's file)."""
    workspace = workspace_of(context)
    files: dict[str, bytes] = {}
    owners: dict[str, str] = {}
    for worker, worker_files in by_worker.items():
        for path, content in sorted(worker_files.items()):
            named = name_for_network(path, workspace)
            files.pop(named, None)
            files[named], owners[named] = content, worker
    return files, owners
