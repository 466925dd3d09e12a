"""The files a task's workers stored in their artifacts ConfigMaps (for `output.artifacts`)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from devops_orchestrator.adapters import kube
from devops_orchestrator.core.output_artifacts import parse_artifact_files


def read_artifact_files(
    namespace: str, sources: Sequence[tuple[str, str]]
) -> dict[str, dict[str, bytes]]:
    """{worker: {path in its workspace: content}}; a ConfigMap already gone gives nothing."""
    api = client.CoreV1Api(kube.api_client())
    found: dict[str, dict[str, bytes]] = {}
    for worker, name in sources:
        try:
            response = api.read_namespaced_config_map(name, namespace, _preload_content=False)
        except ApiException as exc:
            if exc.status == 404:
                continue
            raise kube.map_api_exception(exc, f"read configmap {namespace}/{name}") from exc
        raw: bytes = getattr(response, "data", b"") or b"{}"
        body = json.loads(raw)  # raw JSON: binaryData stays base64 text
        found[worker] = parse_artifact_files(body.get("data"), body.get("binaryData"))
    return found
