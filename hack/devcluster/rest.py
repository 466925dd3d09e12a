"""A small JSON client of the Kubernetes REST API (the node agent's only API dependency:
plain dicts, mTLS from the cluster's PKI files, watches as line streams)."""

from __future__ import annotations

import http.client
import json
import ssl
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"


class ApiError(RuntimeError):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:500]}")
        self.status = status
        self.body = body


class KubeRest:
    def __init__(self, server: str, ca: Path, cert: Path, key: Path) -> None:
        parsed = urllib.parse.urlparse(server)
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 443
        self.context = ssl.create_default_context(cafile=str(ca))
        self.context.load_cert_chain(str(cert), str(key))

    def _connect(self, timeout: float | None) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(
            self.host, self.port, timeout=timeout, context=self.context
        )

    @staticmethod
    def _url(path: str, query: Mapping[str, str | int | bool] | None) -> str:
        if not query:
            return path
        return (
            path
            + "?"
            + urllib.parse.urlencode(
                {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in query.items()}
            )
        )

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str = JSON,
        query: Mapping[str, str | int | bool] | None = None,
        timeout: float = 30.0,
    ) -> Any:
        conn = self._connect(timeout)
        try:
            payload = None if body is None else json.dumps(body).encode()
            headers = {"Accept": JSON}
            if payload is not None:
                headers["Content-Type"] = content_type
            conn.request(method, self._url(path, query), body=payload, headers=headers)
            resp = conn.getresponse()
            data = resp.read().decode(errors="replace")
        finally:
            conn.close()
        if resp.status >= 400:
            raise ApiError(resp.status, data)
        return json.loads(data) if data else None

    def get(self, path: str, query: Mapping[str, str | int | bool] | None = None) -> Any:
        """The object, or None when it does not exist."""
        try:
            return self.request("GET", path, query=query)
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise

    def create(self, path: str, body: Any) -> Any:
        return self.request("POST", path, body)

    def patch(self, path: str, body: Any, content_type: str = STRATEGIC_PATCH) -> Any:
        return self.request("PATCH", path, body, content_type=content_type)

    def delete(self, path: str, body: Any = None) -> None:
        """Delete; a missing object counts as deleted."""
        try:
            self.request("DELETE", path, body)
        except ApiError as exc:
            if exc.status != 404:
                raise

    def watch(self, path: str, query: Mapping[str, str | int | bool]) -> Iterator[dict[str, Any]]:
        """Events of a watch until the server ends it (timeoutSeconds) or an error."""
        timeout = float(query.get("timeoutSeconds", 60)) + 15
        conn = self._connect(timeout)
        try:
            conn.request("GET", self._url(path, {**query, "watch": True}), headers={"Accept": JSON})
            resp = conn.getresponse()
            if resp.status >= 400:
                raise ApiError(resp.status, resp.read().decode(errors="replace"))
            while True:
                line = resp.readline()
                if not line:
                    return
                if line.strip():
                    yield json.loads(line)
        finally:
            conn.close()
