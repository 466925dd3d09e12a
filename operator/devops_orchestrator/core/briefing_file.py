"""The briefing travels as a file: a ConfigMap per worker Job, mounted into its pod. Pure.

One environment variable is limited to 128 KiB by Linux, and a briefing carries the
task's description, requirements, context and the earlier workers' results: a big but
valid task would make the container impossible to start. A ConfigMap holds up to 1 MiB,
far above what the queue's item limits let through. The worker finds the file through
DEVOPS_BRIEFING_FILE."""

from __future__ import annotations

from typing import Any

from devops_orchestrator import constants as c
from devops_orchestrator.core.decision import JobToCreate
from devops_orchestrator.core.owners import build_task_owner_reference

BRIEFING_DIR = "/var/run/devops/briefing"
BRIEFING_KEY = "briefing.json"
BRIEFING_FILE = f"{BRIEFING_DIR}/{BRIEFING_KEY}"
BRIEFING_FILE_ENV = "DEVOPS_BRIEFING_FILE"
VOLUME_NAME = "briefing"


def build_briefing_configmap_name(job_name: str) -> str:
    return f"{job_name}-briefing"


def build_briefing_configmap(
    job: JobToCreate, *, task_name: str, task_uid: str, namespace: str, labels: dict[str, str]
) -> dict[str, Any]:
    """The ConfigMap holding `job`'s briefing, with the Job's `labels` (component
    `briefing`); owned by the task, so it goes with it."""
    labels = {**labels, c.LABEL_COMPONENT: "briefing"}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": build_briefing_configmap_name(job.job_name),
            "namespace": namespace,
            "labels": labels,
            "ownerReferences": [build_task_owner_reference(task_name, task_uid)],
        },
        "data": {BRIEFING_KEY: job.briefing.model_dump_json()},
    }


def render_briefing_volume(job_name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(volumeMount, volume) of the briefing file, read-only."""
    mount = {"name": VOLUME_NAME, "mountPath": BRIEFING_DIR, "readOnly": True}
    source = {"name": build_briefing_configmap_name(job_name), "defaultMode": 0o444}
    return mount, {"name": VOLUME_NAME, "configMap": source}
