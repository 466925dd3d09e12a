"""The slice of the kubelet API that `kubectl logs` needs: GET /containerLogs/{ns}/{pod}/
{container}, over HTTPS with a CA-signed serving cert; clients must present a CA-signed
certificate (the apiserver's kubelet client cert)."""

from __future__ import annotations

import logging
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from devcluster import podfiles
from devcluster.state import ClusterPaths

log = logging.getLogger("devcluster.kubelet")

# (namespace, pod, container) -> is that container running right now?
IsRunning = Callable[[str, str, str], bool]


def tail_lines(data: bytes, count: int) -> bytes:
    if count < 0:
        return data
    lines = data.splitlines(keepends=True)
    return b"".join(lines[-count:]) if count else b""


class _Handler(BaseHTTPRequestHandler):
    server: KubeletServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        log.debug(format, *args)

    def do_GET(self) -> None:
        url = urllib.parse.urlparse(self.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        parts = [p for p in url.path.split("/") if p]
        if parts in (["healthz"], ["readyz"], ["livez"]):
            self._send(200, b"ok")
            return
        if len(parts) != 4 or parts[0] != "containerLogs":
            self._send(404, b"only /containerLogs is served by the devcluster node agent")
            return
        _, namespace, pod, container = parts
        path = podfiles.find_log(
            self.server.paths, namespace, pod, container, previous=query.get("previous") == "true"
        )
        if path is None:
            self._send(404, f"no logs for {namespace}/{pod}/{container}".encode())
            return
        self._stream(path, namespace, pod, container, query)

    def _send(self, code: int, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(
        self, path: Path, namespace: str, pod: str, container: str, query: dict[str, str]
    ) -> None:
        data = path.read_bytes()
        data = tail_lines(data, int(query.get("tailLines", -1)))
        limit = int(query.get("limitBytes", 0)) or None
        if query.get("follow") != "true":
            self._send(200, data[:limit])
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        offset = path.stat().st_size
        self._chunk(data)
        try:
            while True:
                with open(path, "rb") as f:
                    f.seek(offset)
                    more = f.read()
                offset += len(more)
                if more:
                    self._chunk(more)
                elif not self.server.is_running(namespace, pod, container):
                    break
                else:
                    time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):
            return
        self.wfile.write(b"0\r\n\r\n")

    def _chunk(self, data: bytes) -> None:
        if data:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()


class KubeletServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, paths: ClusterPaths, is_running: IsRunning) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.paths = paths
        self.is_running = is_running
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(paths.cert("ca")))
        ctx.load_cert_chain(str(paths.cert("kubelet")), str(paths.key("kubelet")))
        ctx.verify_mode = ssl.CERT_REQUIRED
        self.socket = ctx.wrap_socket(self.socket, server_side=True)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="kubelet-api", daemon=True)
        thread.start()
        return thread
