"""`output.artifacts` of a final result: the generated files for a network that cannot
reach them otherwise (no shared workspace, no git). Read from the workers' artifacts
ConfigMaps when the result is published; the status never holds file contents."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from devops_orchestrator.adapters.artifact_files import read_artifact_files
from devops_orchestrator.config import get_settings
from devops_orchestrator.core.output_artifacts import (
    add_output_artifacts,
    artifact_sources,
    build_output_artifacts,
    collect_files,
    wants_output_artifacts,
)


def with_output_artifacts(fields: dict[str, str], body: Mapping[str, Any]) -> dict[str, str]:
    """The final hash fields, with the files in `output` when the task needs them there."""
    spec = body.get("spec") or {}
    if not wants_output_artifacts(spec) or "output" not in fields:
        return fields
    result = json.loads(fields["output"])
    sources = artifact_sources(result) if isinstance(result, dict) else []
    if not sources:
        return fields
    namespace = str((body.get("metadata") or {}).get("namespace", ""))
    context = spec.get("context")
    context = context if isinstance(context, Mapping) else {}
    files, owners = collect_files(read_artifact_files(namespace, sources), context)
    artifacts = build_output_artifacts(
        files, get_settings().output_artifacts_max_bytes, owners=owners
    )
    output = add_output_artifacts(result, artifacts)
    return {**fields, "output": json.dumps(output, sort_keys=True)}
