"""The Kubernetes API client, shared by the adapters of each noun (`tasks`, `jobs`, ...).

Every call returns plain JSON dicts (camelCase, as `kubectl get -o json` shows them)
and maps API failures to the one taxonomy of `adapters.errors`: retryable (conflicts,
throttling, server and connection errors) or permanent (the request itself is wrong
or forbidden)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from devops_orchestrator.adapters.errors import AdapterError, PermanentError, RetryableError
from devops_orchestrator.config import KUBE_OUTAGE_DELAY_SECONDS, KUBE_POOL_CONNECTIONS
from devops_orchestrator.core.policies import api_retry_delay


def map_api_exception(exc: ApiException, what: str) -> AdapterError:
    """The taxonomy entry for an API failure while doing `what`."""
    status = int(exc.status or 0)
    reason = _reason(exc)
    message = f"{what}: {status} {reason}".strip()
    delay = api_retry_delay(status)
    if delay is None:
        return PermanentError(message, status=status)
    return RetryableError(message, status=status, delay=delay)


def _reason(exc: ApiException) -> str:
    try:
        body = json.loads(exc.body or "{}")
    except (TypeError, ValueError):
        body = {}
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return str(exc.reason or "")


_client_lock = threading.Lock()
_api_client: client.ApiClient | None = None


def api_client() -> client.ApiClient:
    """One ApiClient per process: in-cluster credentials, else the kubeconfig."""
    global _api_client
    with _client_lock:
        if _api_client is None:
            try:
                config.load_incluster_config()  # type: ignore[no-untyped-call]
            except ConfigException:
                config.load_kube_config()  # type: ignore[no-untyped-call]
            _api_client = client.ApiClient(pooled(client.Configuration.get_default_copy()))
        return _api_client


def pooled(
    configuration: client.Configuration, connections: int = KUBE_POOL_CONNECTIONS
) -> client.Configuration:
    """`configuration` keeping up to `connections` connections open for reuse (read
    when an ApiClient is made from it)."""
    configuration.connection_pool_maxsize = connections
    return configuration


def use_kubeconfig(path: str | None) -> None:
    """Use the kubeconfig at `path` (or the default one) for every call from now on.
    Raises PermanentError when it cannot be loaded."""
    try:
        api = config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=path, client_configuration=pooled(client.Configuration())
        )
    except (ConfigException, OSError) as exc:
        raise PermanentError(f"cannot load the kubeconfig: {exc}") from exc
    use_api_client(api)


def use_api_client(api: client.ApiClient) -> None:
    """Use `api` for every call from now on (tools and tests with their own kubeconfig)."""
    global _api_client
    with _client_lock:
        _api_client = api


def call(what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run one API call, returning the decoded JSON body (or None for empty bodies)."""
    try:
        response = fn(*args, _preload_content=False, **kwargs)
    except ApiException as exc:
        raise map_api_exception(exc, what) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise RetryableError(f"{what}: {exc}", delay=KUBE_OUTAGE_DELAY_SECONDS) from exc
    data = response.data
    return json.loads(data) if data else None


def send(what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run one API call whose answer is not needed: it is read but not decoded (a
    create's answer echoes the whole object back)."""
    try:
        response = fn(*args, _preload_content=False, **kwargs)
        _ = response.data  # read to the end, so the connection goes back to the pool
    except ApiException as exc:
        raise map_api_exception(exc, what) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise RetryableError(f"{what}: {exc}", delay=KUBE_OUTAGE_DELAY_SECONDS) from exc


def list_items(
    kind: str, method: Callable[..., Any], namespace: str, label_selector: str
) -> list[dict[str, Any]]:
    body = call(
        f"list {kind} in {namespace} ({label_selector})",
        method,
        namespace,
        label_selector=label_selector,
    )
    items: list[dict[str, Any]] = body.get("items", []) if body else []
    return items


def iter_pages(
    what: str,
    namespaces: Sequence[str],
    in_namespace: Callable[..., Any],
    everywhere: Callable[..., Any],
    page_size: int,
    **params: Any,
) -> Iterator[list[dict[str, Any]]]:
    """The items of a list call in `namespaces` (`in_namespace(namespace, ...)`), or in
    every namespace when empty (`everywhere(...)`), one page per API call."""
    scopes: list[str | None] = [*namespaces] or [None]
    for namespace in scopes:
        token: str | None = None
        while True:
            paging: dict[str, Any] = {"limit": page_size, **params}
            if token:
                paging["_continue"] = token
            if namespace is None:
                body = call(f"list {what}", everywhere, **paging)
            else:
                body = call(f"list {what} in {namespace}", in_namespace, namespace, **paging)
            body = body or {}
            yield list(body.get("items") or [])  # null in an empty metadata-only list
            token = (body.get("metadata") or {}).get("continue")
            if not token:
                break


def list_configmaps(namespace: str, label_selector: str) -> list[dict[str, Any]]:
    api = client.CoreV1Api(api_client())
    return list_items("configmaps", api.list_namespaced_config_map, namespace, label_selector)
