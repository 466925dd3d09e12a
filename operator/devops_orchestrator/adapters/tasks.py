"""DevOpsTask resources through the API server: get, create (409 = already there =
success), list, annotate, and the status write. Errors follow `adapters.errors`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from kubernetes import client

from devops_orchestrator.adapters.errors import PermanentError, RetryableError
from devops_orchestrator.adapters.kube import api_client, call, iter_pages
from devops_orchestrator.constants import GROUP, PLURAL, VERSION


def _api() -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api_client())


def _on_task(
    what: str, method: Callable[..., Any], namespace: str, name: str, *body: Any
) -> dict[str, Any] | None:
    """One call about one task; None when the task does not exist (404)."""
    try:
        result: dict[str, Any] = call(
            f"{what} devopstask {namespace}/{name}",
            method,
            GROUP,
            VERSION,
            namespace,
            PLURAL,
            name,
            *body,
        )
    except PermanentError as exc:
        if exc.status == 404:
            return None
        raise
    return result


def get_task(namespace: str, name: str) -> dict[str, Any] | None:
    """The DevOpsTask, or None when it no longer exists."""
    return _on_task("get", _api().get_namespaced_custom_object, namespace, name)


def patch_task_status(
    namespace: str, name: str, status_patch: dict[str, Any], *, resource_version: str | None
) -> dict[str, Any] | None:
    """Merge-patch the status subresource. With `resource_version`, a concurrent change
    of the object is a 409 (retryable): the caller re-observes and decides again.
    Returns None when the task no longer exists."""
    body: dict[str, Any] = {"status": status_patch}
    if resource_version:
        body["metadata"] = {"resourceVersion": resource_version}
    method = _api().patch_namespaced_custom_object_status
    return _on_task("patch status of", method, namespace, name, body)


def create_task(manifest: Mapping[str, Any]) -> bool:
    """Create the DevOpsTask unless one of that name exists. True when this call created it."""
    meta = manifest["metadata"]
    what = f"create devopstask {meta['namespace']}/{meta['name']}"
    try:
        call(
            what,
            _api().create_namespaced_custom_object,
            GROUP,
            VERSION,
            meta["namespace"],
            PLURAL,
            dict(manifest),
        )
    except RetryableError as exc:
        if exc.status == 409:
            return False
        raise
    return True


PAGE_SIZE = 500  # items per list call: a sweep over many tasks never loads them in one


def iter_task_pages(
    namespaces: Sequence[str] = (), label_selector: str = "", page_size: int = PAGE_SIZE
) -> Iterator[list[dict[str, Any]]]:
    """DevOpsTasks in `namespaces` (every namespace when empty), one page per API call."""
    api = _api()
    return iter_pages(
        "devopstasks",
        namespaces,
        partial(api.list_namespaced_custom_object, GROUP, VERSION, plural=PLURAL),
        partial(api.list_cluster_custom_object, GROUP, VERSION, PLURAL),
        page_size,
        label_selector=label_selector,
    )


def list_tasks(namespaces: Sequence[str] = (), label_selector: str = "") -> list[dict[str, Any]]:
    """DevOpsTasks in `namespaces`, or in every namespace when empty (paged calls)."""
    return [item for page in iter_task_pages(namespaces, label_selector) for item in page]


def delete_task(namespace: str, name: str, uid: str) -> bool:
    """Delete the task if it is still the object `uid` (a namesake created since stays);
    its owned Jobs and ConfigMaps follow (background propagation). False when gone."""
    options = client.V1DeleteOptions(
        propagation_policy="Background", preconditions=client.V1Preconditions(uid=uid)
    )
    try:
        call(
            f"delete devopstask {namespace}/{name}",
            _api().delete_namespaced_custom_object,
            GROUP,
            VERSION,
            namespace,
            PLURAL,
            name,
            body=options,
        )
    except (PermanentError, RetryableError) as exc:
        if exc.status in (404, 409):  # gone, or a namesake: not ours to delete
            return False
        raise
    return True


def annotate_task(
    namespace: str,
    name: str,
    annotations: Mapping[str, str],
    labels: Mapping[str, str] | None = None,
) -> bool:
    """Merge `annotations` (and `labels`) into the task's metadata. False when it is gone."""
    meta: dict[str, Any] = {"annotations": dict(annotations)}
    if labels:
        meta["labels"] = dict(labels)
    method = _api().patch_namespaced_custom_object
    return _on_task("annotate", method, namespace, name, {"metadata": meta}) is not None


class TaskStore(Protocol):
    """The DevOpsTask calls the Redis bridge makes (a dict-backed double in the garbage
    tests keeps the consumer's tests free of a cluster)."""

    def create(self, manifest: Mapping[str, Any]) -> bool: ...

    def get(self, namespace: str, name: str) -> dict[str, Any] | None: ...

    def held(self, namespace: str, name: str) -> dict[str, Any] | None:
        """The task as the operator's watch holds it, without a request (None: not held)."""
        ...

    def held_tasks(self, namespace: str) -> Sequence[Mapping[str, Any]] | None:
        """Every unfinished task of `namespace` as a live watch holds them, without a
        request; None when this process has no live watch of them."""
        ...

    def list(
        self, label_selector: str = "", namespace: str | None = None
    ) -> list[dict[str, Any]]: ...

    def annotate(
        self,
        namespace: str,
        name: str,
        annotations: Mapping[str, str],
        labels: Mapping[str, str] | None = None,
    ) -> bool: ...


# The body of a task as the operator's watch last showed it, None when not held there.
WatchedTask = Callable[[tuple[str, str]], Mapping[str, Any] | None]
# Every unfinished task of a namespace as the operator's watch holds them.
WatchedTasksIn = Callable[[str], Sequence[Mapping[str, Any]]]


@dataclass(frozen=True)
class KubeTaskStore:
    """DevOpsTasks through the API server; `namespaces` empty = every namespace. With
    `watched` (the operator's view of its unfinished tasks, `WatchedTasks.task`), a task
    held there is not read again: the bridge's sweeps look at every task in flight.
    `watched_in` (`WatchedTasks.tasks_in`) is given only when that view is live: kopf
    never pauses this process's watch (no peering: a standby's view goes stale)."""

    namespaces: Sequence[str] = ()
    watched: WatchedTask | None = None
    watched_in: WatchedTasksIn | None = None

    def create(self, manifest: Mapping[str, Any]) -> bool:
        return create_task(manifest)

    def get(self, namespace: str, name: str) -> dict[str, Any] | None:
        body = self.held(namespace, name)
        return body if body is not None else get_task(namespace, name)

    def held(self, namespace: str, name: str) -> dict[str, Any] | None:
        body = self.watched((namespace, name)) if self.watched is not None else None
        return dict(body) if body is not None else None

    def held_tasks(self, namespace: str) -> Sequence[Mapping[str, Any]] | None:
        if self.watched_in is None or (self.namespaces and namespace not in self.namespaces):
            return None  # not watched here: only the API server knows them
        return self.watched_in(namespace)  # read, never changed, by the caller

    def list(self, label_selector: str = "", namespace: str | None = None) -> list[dict[str, Any]]:
        """Label-selected and paged; in `namespace` only, when given."""
        scope = (namespace,) if namespace is not None else self.namespaces
        return list_tasks(scope, label_selector)

    def annotate(
        self,
        namespace: str,
        name: str,
        annotations: Mapping[str, str],
        labels: Mapping[str, str] | None = None,
    ) -> bool:
        return annotate_task(namespace, name, annotations, labels)
