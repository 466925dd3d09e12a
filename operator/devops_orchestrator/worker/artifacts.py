"""Pure builders of the ConfigMaps a worker stores: its result and its generated files.

- `<job-name>-result`: key `result.json` (the WorkerResult) and, on failure, `error`.
- `<job-name>-artifacts`: one key per file (the path with `/` as `__` and other
  characters outside `[-._a-zA-Z0-9]` as `_`), text in `data`, anything else in
  `binaryData`, and `files.json` mapping each key to its path. The total is capped;
  files past the cap are left out and named in `artifacts_truncated`."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from devops_orchestrator import constants as c
from devops_orchestrator.core.owners import build_task_owner_reference
from devops_orchestrator.models import Briefing, TokenUsage, WorkerResult

RESULT_KEY = c.RESULT_DATA_KEY
ERROR_KEY = c.ERROR_DATA_KEY
INDEX_KEY = c.ARTIFACTS_INDEX_KEY
_INVALID_KEY = re.compile(r"[^-._a-zA-Z0-9]")


def artifacts_configmap_name(briefing: Briefing) -> str:
    base = briefing.job_name or f"{briefing.task_name}-{briefing.worker}-{briefing.attempt}"
    return f"{base}{c.ARTIFACTS_CONFIGMAP_SUFFIX}"


def labels(briefing: Briefing, component: str) -> dict[str, str]:
    # Imported here: core.jobs brings the operator's decision types, which a worker
    # outside a cluster (no ConfigMap to label) never needs.
    from devops_orchestrator.core.jobs import build_task_label_value

    return {
        c.LABEL_MANAGED_BY: c.MANAGED_BY,
        c.LABEL_TASK: build_task_label_value(briefing.task_name),  # a valid label value
        c.LABEL_WORKER: briefing.worker,
        c.LABEL_ATTEMPT: str(briefing.attempt),
        c.LABEL_COMPONENT: component,
    }


def _metadata(briefing: Briefing, name: str, component: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": briefing.namespace,
        "labels": labels(briefing, component),
    }
    if briefing.task_uid:
        owner = build_task_owner_reference(briefing.task_name, briefing.task_uid)
        metadata["ownerReferences"] = [owner]
    return metadata


def build_result_configmap(
    briefing: Briefing,
    result: WorkerResult | None,
    error: str | None,
    *,
    transcript: str = "",
    usage: TokenUsage | None = None,
) -> dict[str, Any]:
    """`usage`: what a failed attempt spent (a result carries its own); `transcript`:
    the engine's redacted conversation, for `devopsctl transcript`."""
    data: dict[str, str] = {}
    if result is not None:
        data[RESULT_KEY] = result.model_dump_json(exclude_none=True)
    if error:
        data[ERROR_KEY] = error
    if usage is not None and result is None:
        data[c.USAGE_DATA_KEY] = usage.model_dump_json()
    if transcript:
        data[c.TRANSCRIPT_DATA_KEY] = transcript
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(briefing, briefing.result_configmap, "result"),
        "data": data,
    }


def file_key(path: str, taken: set[str]) -> str:
    key = _INVALID_KEY.sub("_", path.replace("/", "__"))[:240]
    key = "file" if key in ("", ".", "..") else key
    candidate, n = key, 1
    while candidate in taken or candidate in (INDEX_KEY, "."):
        n += 1
        candidate = f"{key}.{n}"
    taken.add(candidate)
    return candidate


def build_artifacts_configmap(
    briefing: Briefing, files: dict[str, bytes], max_bytes: int
) -> tuple[dict[str, Any], list[str]]:
    """The ConfigMap and the paths left out because of the size cap."""
    data: dict[str, str] = {}
    binary: dict[str, str] = {}
    index: dict[str, str] = {}
    truncated: list[str] = []
    taken: set[str] = set()
    total = 0
    for path in sorted(files):
        content = files[path]
        key = file_key(path, taken)
        try:
            text: str | None = content.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        size = len(content) if text is not None else len(base64.b64encode(content))
        size += len(key) * 2 + len(path)
        if total + size > max_bytes:
            truncated.append(path)
            taken.discard(key)
            continue
        total += size
        index[key] = path
        if text is not None:
            data[key] = text
        else:
            binary[key] = base64.b64encode(content).decode("ascii")
    data[INDEX_KEY] = json.dumps(index, indent=1, sort_keys=True)
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(briefing, artifacts_configmap_name(briefing), "artifacts"),
        "data": data,
    }
    if binary:
        body["binaryData"] = binary
    return body, truncated
