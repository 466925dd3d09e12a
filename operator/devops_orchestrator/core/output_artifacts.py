"""`output.artifacts`: the generated files themselves, for a network without a shared
workspace. Pure.

Path (as the network names it) -> text content. Text only (a JSON string cannot carry
bytes faithfully), and capped: the network's Redis runs with 256 MB and evicts any key
under pressure, so one result must stay small. Every file left out is listed in
`issues`, with why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_MAX_BYTES = 256 * 1024
VALIDATOR = "artifacts"


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
