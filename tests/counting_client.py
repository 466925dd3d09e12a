"""The real Kubernetes client, recording the requests it sends: for tests that guard how
many requests a piece of the operator makes."""

from __future__ import annotations

from typing import Any

from kubernetes import client


class CountingApiClient(client.ApiClient):
    """The real client, recording each request's method and last path segment."""

    def __init__(self, configuration: client.Configuration) -> None:
        super().__init__(configuration)
        self.requests: list[tuple[str, str]] = []

    def call_api(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        self.requests.append((method, url.split("?")[0].rsplit("/", 1)[-1]))
        return super().call_api(method, url, *args, **kwargs)
