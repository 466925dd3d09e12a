"""Worker Job names and manifests (pure builders)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from devops_orchestrator import constants as c
from devops_orchestrator.config import Settings
from devops_orchestrator.core.briefing_file import (
    BRIEFING_FILE,
    BRIEFING_FILE_ENV,
    render_briefing_annotations,
    render_briefing_volume,
)
from devops_orchestrator.core.decision import JobToCreate
from devops_orchestrator.core.owners import build_task_owner_reference
from devops_orchestrator.models import EngineName

MAX_NAME = 63  # Job names end up in the job-name label of their pods
RUN_AS_USER = 10001
WORKSPACE_PATH = "/workspace"
TMP_PATH = "/tmp"  # a scratch emptyDir, not the node's /tmp
CONTAINER_NAME = "worker"
# Bounds on the node's disk: an emptyDir past its sizeLimit, or the container past its
# ephemeral-storage limit, gets the pod evicted instead of filling the node.
WORKSPACE_SIZE_LIMIT = "2Gi"
TMP_SIZE_LIMIT = "512Mi"
EPHEMERAL_STORAGE_REQUEST = "256Mi"
EPHEMERAL_STORAGE_LIMIT = "3Gi"
# Keys of a git credentials Secret, and the variables the worker reads them from.
# A Secret is handed to workers as git credentials only when its owner opted in with this
# label: a task (anyone who may create one) must not be able to name any Secret.
GIT_CREDENTIALS_LABEL = f"{c.GROUP}/git-credentials"
GIT_CREDENTIALS_REFUSED_ENV = "DEVOPS_GIT_CREDENTIALS_REFUSED"
GIT_SECRET_KEYS = (
    ("GIT_USERNAME", "username"),
    ("GIT_PASSWORD", "password"),
    ("GIT_TOKEN", "token"),
)
_INVALID = re.compile(r"[^a-z0-9-]+")

# Settings a worker reads too; passed through as DEVOPS_* variables.
_WORKER_SETTINGS = (
    "model_sonnet",
    "model_opus",
    "model_haiku",
    "model_default",
    "claude_prices",
    "anthropic_base_url",
    "agents_dir",
    "git_allow_file_urls",
    "checkov_enabled",
    "checkov_frameworks",
    "kubernetes_dry_run",
)


@dataclass(frozen=True)
class JobConfig:
    """Everything about a worker Job that comes from the operator's settings."""

    image: str
    command: tuple[str, ...]
    service_account: str
    cpu_request: str = "100m"
    cpu_limit: str = "1"
    memory_request: str = "128Mi"
    memory_limit: str = "512Mi"
    ttl_seconds: int = 3600
    anthropic_secret_name: str = "anthropic-api-key"
    env: tuple[tuple[str, str], ...] = ()  # settings passed to the worker as DEVOPS_* vars
    image_pull_policy: str = "IfNotPresent"


def build_job_config(settings: Settings) -> JobConfig:
    """The JobConfig for `settings` (the caller reads the settings; this only maps them)."""
    # Unset strings are left out (the worker's own default applies); a False flag is
    # passed on, since the worker's default may be True.
    env = tuple(
        (f"DEVOPS_{name.upper()}", str(getattr(settings, name)))
        for name in _WORKER_SETTINGS
        if getattr(settings, name) not in (None, "")
    )
    return JobConfig(
        image=settings.worker_image,
        command=tuple(settings.worker_command),
        service_account=settings.worker_service_account,
        cpu_request=settings.worker_cpu_request,
        cpu_limit=settings.worker_cpu_limit,
        memory_request=settings.worker_memory_request,
        memory_limit=settings.worker_memory_limit,
        ttl_seconds=settings.job_ttl_seconds,
        anthropic_secret_name=settings.anthropic_secret_name,
        env=env,
    )


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _fit(prefix: str, suffix: str, whole: str) -> str:
    """`prefix-suffix` as a DNS label; when too long the prefix is cut and a hash of
    `whole` keeps distinct long names distinct."""
    prefix = _INVALID.sub("-", prefix.lower()).strip("-")
    name = f"{prefix}-{suffix}"
    if len(name) <= MAX_NAME:
        return name
    keep = MAX_NAME - len(suffix) - len(_short_hash(whole)) - 2
    return f"{prefix[:keep].rstrip('-')}-{_short_hash(whole)}-{suffix}"


def build_job_name(task_name: str, worker: str, attempt: int) -> str:
    """`<task>-<worker-short>-<attempt>`, a DNS label of at most 63 characters.

    Attempt numbers grow monotonically per worker across retry rounds (the retry
    annotation continues the count), so a retry never reuses an old Job name."""
    short = worker.removesuffix("-worker")
    return _fit(task_name, f"{short}-{attempt}", f"{task_name}/{worker}/{attempt}")


def build_task_label_value(task_name: str) -> str:
    """The value of the task label: the task name (a DNS subdomain, valid as a label
    value), cut and hashed when longer than 63 characters."""
    if len(task_name) <= MAX_NAME:
        return task_name
    return f"{task_name[: MAX_NAME - 9].rstrip('-.')}-{_short_hash(task_name)}"


def build_task_selector(task_name: str) -> str:
    """Label selector of a task's Jobs."""
    return f"{c.LABEL_TASK}={build_task_label_value(task_name)}"


def build_result_configmap_name(job_name: str) -> str:
    """The ConfigMap where the worker of `job_name` stores its result."""
    return f"{job_name}{c.RESULT_CONFIGMAP_SUFFIX}"


def build_job_labels(task_name: str, worker: str, attempt: int) -> dict[str, str]:
    return {
        c.LABEL_MANAGED_BY: c.MANAGED_BY,
        c.LABEL_TASK: build_task_label_value(task_name),
        c.LABEL_WORKER: worker,
        c.LABEL_ATTEMPT: str(attempt),
        c.LABEL_COMPONENT: "worker",
    }


def build_git_credentials_refusal(name: str, labels: dict[str, str] | None) -> str | None:
    """Why the Secret `name` (with `labels`; None: it does not exist) may not be used as
    git credentials, or None when it may."""
    if labels is None:
        return f"the git credentials Secret {name!r} does not exist"
    if labels.get(GIT_CREDENTIALS_LABEL) != "true":
        return (
            f"the Secret {name!r} is not marked for use as git credentials: "
            f"label it {GIT_CREDENTIALS_LABEL}=true"
        )
    return None


def render_job(
    job: JobToCreate,
    *,
    task_name: str,
    task_uid: str,
    namespace: str,
    config: JobConfig,
    git_credentials_refused: str | None = None,
) -> dict[str, Any]:
    """The batch/v1 Job manifest for one worker attempt.

    backoffLimit 0: a failed attempt is final for its Job; the reconciler retries with a
    new Job, so every attempt stays visible. The pod template carries the briefing
    (core.briefing_file): the Job is all a worker needs created."""
    labels = build_job_labels(task_name, job.worker, job.attempt)
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": job.job_name,
            "namespace": namespace,
            "labels": labels,
            "ownerReferences": [build_task_owner_reference(task_name, task_uid, controller=True)],
        },
        "spec": {
            "backoffLimit": 0,
            "activeDeadlineSeconds": max(1, job.deadline_seconds),
            "ttlSecondsAfterFinished": config.ttl_seconds,
            "template": {
                "metadata": {
                    "labels": dict(labels),
                    "annotations": render_briefing_annotations(job.briefing),
                },
                "spec": _render_pod_spec(job, config, git_credentials_refused),
            },
        },
    }


def _render_pod_spec(
    job: JobToCreate, config: JobConfig, git_credentials_refused: str | None
) -> dict[str, Any]:
    mounts, volumes = _render_volumes(job)
    return {
        "restartPolicy": "Never",
        "serviceAccountName": config.service_account,
        # The worker calls no API: its result travels in its log (core.result_frame).
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,  # no other Service's address in its environment
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS_USER,
            "runAsGroup": RUN_AS_USER,
            "fsGroup": RUN_AS_USER,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [
            {
                "name": CONTAINER_NAME,
                "image": config.image,
                "imagePullPolicy": config.image_pull_policy,
                "command": list(config.command),
                "env": _render_env(job, config, git_credentials_refused),
                "resources": {
                    "requests": {
                        "cpu": config.cpu_request,
                        "memory": config.memory_request,
                        "ephemeral-storage": EPHEMERAL_STORAGE_REQUEST,
                    },
                    "limits": {
                        "cpu": config.cpu_limit,
                        "memory": config.memory_limit,
                        "ephemeral-storage": EPHEMERAL_STORAGE_LIMIT,
                    },
                },
                "securityContext": {
                    "runAsNonRoot": True,
                    "runAsUser": RUN_AS_USER,
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "capabilities": {"drop": ["ALL"]},
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "volumeMounts": mounts,
            }
        ],
        "volumes": volumes,
    }


def _field_env(name: str, path: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"fieldRef": {"fieldPath": path}}}


def _secret_env(name: str, secret: str, key: str) -> dict[str, Any]:
    ref = {"name": secret, "key": key, "optional": True}
    return {"name": name, "valueFrom": {"secretKeyRef": ref}}


def _render_env(
    job: JobToCreate, config: JobConfig, git_credentials_refused: str | None
) -> list[dict[str, Any]]:
    """Secrets as variables the worker takes out of its environment before any tool
    runs (never as files a tool could read): the API key only for an engine that may
    use it, the git credentials only for a git workspace that names them."""
    env: list[dict[str, Any]] = [
        {"name": BRIEFING_FILE_ENV, "value": BRIEFING_FILE},  # core.briefing_file
        _field_env("POD_NAMESPACE", "metadata.namespace"),
        _field_env("POD_NAME", "metadata.name"),
        {"name": "HOME", "value": TMP_PATH},  # the root filesystem is read-only
        *({"name": name, "value": value} for name, value in config.env),
    ]
    if job.briefing.engine != EngineName.GENERATOR:  # auto without a key: the generator
        env.append(
            _secret_env("ANTHROPIC_API_KEY", config.anthropic_secret_name, "ANTHROPIC_API_KEY")
        )
    spec = job.briefing.workspace
    if git_credentials_refused:  # the worker fails with this reason, before any git
        env.append({"name": GIT_CREDENTIALS_REFUSED_ENV, "value": git_credentials_refused})
    elif spec is not None and spec.git is not None and spec.git.credentials_secret:
        secret = spec.git.credentials_secret
        env += [_secret_env(name, secret, key) for name, key in GIT_SECRET_KEYS]
    return env


def _render_volumes(job: JobToCreate) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    workspace_mount: dict[str, Any] = {"name": "workspace", "mountPath": WORKSPACE_PATH}
    workspace_volume: dict[str, Any] = {
        "name": "workspace",
        "emptyDir": {"sizeLimit": WORKSPACE_SIZE_LIMIT},
    }
    spec = job.briefing.workspace
    if spec is not None and spec.volume is not None:
        claim = {"claimName": spec.volume.claim_name}
        workspace_volume = {"name": "workspace", "persistentVolumeClaim": claim}
        if spec.volume.sub_path:
            workspace_mount["subPath"] = spec.volume.sub_path
    briefing_mount, briefing_volume = render_briefing_volume()
    mounts = [workspace_mount, {"name": "tmp", "mountPath": TMP_PATH}, briefing_mount]
    tmp_volume = {"name": "tmp", "emptyDir": {"sizeLimit": TMP_SIZE_LIMIT}}
    volumes = [workspace_volume, tmp_volume, briefing_volume]
    return mounts, volumes
