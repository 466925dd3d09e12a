"""Whether a task may hand a Secret to its workers as git credentials: only a Secret its
owner labelled for it (`core.jobs.GIT_CREDENTIALS_LABEL`). The operator reads the
Secret's metadata only (PartialObjectMetadata): its data never reaches the operator."""

from __future__ import annotations

from kubernetes import client

from devops_orchestrator.adapters import kube
from devops_orchestrator.adapters.errors import PermanentError
from devops_orchestrator.core.jobs import build_git_credentials_refusal
from devops_orchestrator.models import Briefing

_METADATA_ONLY = {"Accept": "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"}


def read_secret_labels(namespace: str, name: str) -> dict[str, str] | None:
    """The Secret's labels; None when it does not exist."""
    api = client.CoreV1Api(kube.api_client())
    try:
        body = kube.call(
            f"read the labels of secret {namespace}/{name}",
            api.read_namespaced_secret,
            name,
            namespace,
            _headers=_METADATA_ONLY,
        )
    except PermanentError as exc:
        if exc.status == 404:
            return None
        raise
    labels = ((body or {}).get("metadata") or {}).get("labels") or {}
    return {str(k): str(v) for k, v in labels.items()}


def refusal(namespace: str, briefing: Briefing) -> str | None:
    """Why the briefing's git credentials may not be used, or None (also when it names
    none)."""
    spec = briefing.workspace
    if spec is None or spec.git is None or not spec.git.credentials_secret:
        return None
    name = spec.git.credentials_secret
    return build_git_credentials_refusal(name, read_secret_labels(namespace, name))
