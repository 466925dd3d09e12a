"""The briefing travels in the worker's Job: an annotation of its pod template, which a
downwardAPI volume projects into a read-only file. Pure.

One create per worker, and nothing beside the Job to clean up (an earlier version
created a ConfigMap per worker; the Jobs it made still mount theirs, which the task owns
and takes with it). Why not an environment variable: Linux limits one to 128 KiB, and
the kubelet expands `$(NAME)` in a literal value, which hostile task text could use. The
kubelet writes an annotation's value to the file byte for byte and interprets nothing:
the worker reads the JSON the operator rendered (through DEVOPS_BRIEFING_FILE).

The bound: the API server refuses a pod whose annotations exceed 256 KiB in all (keys
and values, UTF-8 bytes). The briefing may take that minus a reserve for what admission
webhooks add to pods (a service mesh's status, say); a briefing over it fails its worker
with the reason (`build_briefing_refusal`) instead of a create the API server refuses."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from devops_orchestrator import constants as c
from devops_orchestrator.models import Briefing

BRIEFING_DIR = "/var/run/devops/briefing"
BRIEFING_KEY = "briefing.json"
BRIEFING_FILE = f"{BRIEFING_DIR}/{BRIEFING_KEY}"
BRIEFING_FILE_ENV = "DEVOPS_BRIEFING_FILE"
VOLUME_NAME = "briefing"
ANNOTATIONS_LIMIT_BYTES = 256 * 1024  # the API server's TotalAnnotationSizeLimitB
ANNOTATIONS_RESERVE_BYTES = 16 * 1024  # left to annotations others add to the pod
MAX_BRIEFING_BYTES = (
    ANNOTATIONS_LIMIT_BYTES - ANNOTATIONS_RESERVE_BYTES - len(c.ANNOTATION_BRIEFING)
)


def render_briefing_annotations(briefing: Briefing) -> dict[str, str]:
    """The pod template's annotations: the briefing as JSON (one line; every control
    character of the task's text escaped)."""
    return {c.ANNOTATION_BRIEFING: briefing.model_dump_json()}


def build_briefing_refusal(job: Mapping[str, Any]) -> str | None:
    """Why the worker Job `job` (as rendered) cannot carry its briefing, or None."""
    template = (job.get("spec") or {}).get("template") or {}
    annotations = (template.get("metadata") or {}).get("annotations") or {}
    text = str(annotations.get(c.ANNOTATION_BRIEFING, ""))
    size = len(text.encode())
    if size <= MAX_BRIEFING_BYTES:
        return None
    return (
        f"worker pods cannot be created: the worker's briefing is {size} bytes, over the"
        f" {MAX_BRIEFING_BYTES} a worker pod can carry (Kubernetes limits a pod's"
        f" annotations to 256 KiB): {_what_takes_the_room(text)}"
    )


def _json_bytes(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode())


def _what_takes_the_room(text: str) -> str:
    """The task's own text, or what the earlier workers handed on, whichever is bigger:
    the one to shorten."""
    briefing = json.loads(text)
    task = sum(_json_bytes(briefing.get(key)) for key in ("description", "requirements", "context"))
    earlier = _json_bytes(briefing.get("previous_results"))
    if earlier > task:
        return f"the earlier workers' results take {earlier} bytes of it"
    return (
        f"the task's description, requirements and context take {task} bytes of it (twice:"
        " also in the prompt): shorten them"
    )


def render_briefing_volume() -> tuple[dict[str, Any], dict[str, Any]]:
    """(volumeMount, volume) of the briefing file, read-only: the annotation's value."""
    mount = {"name": VOLUME_NAME, "mountPath": BRIEFING_DIR, "readOnly": True}
    field = {"fieldPath": f"metadata.annotations['{c.ANNOTATION_BRIEFING}']"}
    source = {"items": [{"path": BRIEFING_KEY, "fieldRef": field}], "defaultMode": 0o444}
    return mount, {"name": VOLUME_NAME, "downwardAPI": source}
