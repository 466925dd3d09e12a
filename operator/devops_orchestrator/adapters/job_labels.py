"""The worker Jobs' `settled` label through the API server: the Jobs still in the
operator's watch, metadata only (PartialObjectMetadata: a Job's body carries its
briefing, which the collector does not need), and the label write that takes one out.
Errors follow `adapters.errors`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from kubernetes import client

from devops_orchestrator.adapters.errors import PermanentError
from devops_orchestrator.adapters.kube import api_client, iter_pages, send

_METADATA_LIST = {"Accept": "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"}
_MERGE_PATCH = "application/merge-patch+json"


def _api() -> client.BatchV1Api:
    return client.BatchV1Api(api_client())


def iter_job_metadata_pages(
    namespaces: Sequence[str], label_selector: str, page_size: int
) -> Iterator[list[dict[str, Any]]]:
    """The metadata of the Jobs `label_selector` selects in `namespaces` (every namespace
    when empty), one page per API call."""
    api = _api()
    return iter_pages(
        "jobs",
        namespaces,
        api.list_namespaced_job,
        api.list_job_for_all_namespaces,
        page_size,
        label_selector=label_selector,
        _headers=_METADATA_LIST,
    )


def label_job(namespace: str, name: str, labels: Mapping[str, str]) -> bool:
    """Merge `labels` into the Job's; False when it is gone."""
    try:
        send(
            f"label job {namespace}/{name}",
            _api().patch_namespaced_job,
            name,
            namespace,
            {"metadata": {"labels": dict(labels)}},
            _content_type=_MERGE_PATCH,
        )
    except PermanentError as exc:
        if exc.status == 404:
            return False
        raise
    return True
