"""A local HTTP server that speaks the Anthropic Messages API, for driving the REAL
`anthropic` SDK in tests without the internet.

It is a protocol peer, not a mock of our code: `POST /v1/messages` answers with the
replies a test scripted, in order, and records every request (headers and JSON body).
Like the real API it checks the request: the API key (`x-api-key` or a bearer token),
the version header, the required fields, and that every `tool_use` of the history is
answered by a `tool_result` in the next user message (400 `invalid_request_error`
otherwise).

    server.reply_tool_use("Write", {"path": "Dockerfile", "content": "FROM ..."})
    server.reply_text('{"summary": "done"}')
    server.reply_error(529, "overloaded_error", headers={"retry-after": "0.01"})

Use the `messages_api` fixture (import it into a conftest) or the context manager.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

DEFAULT_MODEL = "claude-sonnet-4-5"


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.body.get("messages", [])
        return messages

    def tool_results(self) -> list[dict[str, Any]]:
        """The tool_result blocks of the last user message."""
        if not self.messages or not isinstance(self.messages[-1]["content"], list):
            return []
        return [b for b in self.messages[-1]["content"] if b.get("type") == "tool_result"]


def text_block(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def tool_use_block(name: str, tool_input: dict[str, Any], tool_id: str) -> dict[str, Any]:
    return {"type": "tool_use", "id": tool_id, "name": name, "input": tool_input}


def _error_body(error_type: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": message}}


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The credential of a request: `x-api-key`, or a bearer token (newer SDKs)."""
    if "x-api-key" in headers:
        return headers["x-api-key"]
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def check_request(body: Any) -> str | None:
    """What the real API would refuse about this body, or None."""
    if not isinstance(body, dict):
        return "body: must be a JSON object"
    for name in ("model", "max_tokens", "messages"):
        if name not in body:
            return f"{name}: Field required"
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    for index, message in enumerate(messages):
        expected = "user" if index % 2 == 0 else "assistant"
        if message.get("role") != expected:
            return f"messages.{index}.role: roles must alternate, starting with user"
        content = message.get("content")
        if message["role"] != "assistant" or not isinstance(content, list):
            continue
        uses = {b["id"] for b in content if b.get("type") == "tool_use"}
        if not uses:
            continue
        following = messages[index + 1]["content"] if index + 1 < len(messages) else []
        answered = {
            b.get("tool_use_id")
            for b in (following if isinstance(following, list) else [])
            if b.get("type") == "tool_result"
        }
        if uses - answered:
            return (
                f"messages.{index + 1}: tool_use ids were found without tool_result "
                f"blocks immediately after: {sorted(uses - answered)}"
            )
    return None


class MessagesAPIServer:
    """`POST /v1/messages` with scripted replies; see the module docstring."""

    def __init__(self, api_key: str | None = None) -> None:
        self.api_key = api_key  # when set, other keys get 401 like the real API
        self.requests: list[RecordedRequest] = []
        self._replies: list[Reply] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> MessagesAPIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> MessagesAPIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting ---------------------------------------------------------------------

    def reply_message(
        self,
        content: list[dict[str, Any]],
        *,
        stop_reason: str = "end_turn",
        usage: tuple[int, int] = (10, 5),
        model: str = DEFAULT_MODEL,
    ) -> None:
        """A successful answer with these content blocks."""
        body = {
            "id": f"msg_fake_{next(self._ids):04d}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": usage[0], "output_tokens": usage[1]},
        }
        with self._lock:
            self._replies.append(Reply(200, body))

    def reply_text(self, text: str, *, usage: tuple[int, int] = (10, 5)) -> None:
        self.reply_message([text_block(text)], usage=usage)

    def reply_tool_use(
        self,
        name: str,
        tool_input: dict[str, Any],
        *,
        text: str = "",
        usage: tuple[int, int] = (10, 5),
    ) -> str:
        """An answer asking for one tool call; returns its tool_use id."""
        return self.reply_tool_uses([(name, tool_input)], text=text, usage=usage)[0]

    def reply_tool_uses(
        self,
        calls: list[tuple[str, dict[str, Any]]],
        *,
        text: str = "",
        usage: tuple[int, int] = (10, 5),
    ) -> list[str]:
        ids = [f"toolu_fake_{next(self._ids):04d}" for _ in calls]
        blocks = [text_block(text)] if text else []
        blocks += [tool_use_block(n, i, t) for (n, i), t in zip(calls, ids, strict=True)]
        self.reply_message(blocks, stop_reason="tool_use", usage=usage)
        return ids

    def reply_error(
        self,
        status: int,
        error_type: str,
        message: str = "scripted error",
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        with self._lock:
            self._replies.append(Reply(status, _error_body(error_type, message), headers or {}))

    @property
    def pending(self) -> int:
        """Scripted replies not yet served."""
        with self._lock:
            return len(self._replies)

    # -- serving -----------------------------------------------------------------------

    def _answer(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Reply:
        try:
            body: Any = json.loads(raw or b"null")
        except json.JSONDecodeError:
            body = None
        with self._lock:
            self.requests.append(
                RecordedRequest(method, path, headers, body if isinstance(body, dict) else {})
            )
            if method != "POST" or path.split("?")[0] != "/v1/messages":
                return Reply(404, _error_body("not_found_error", f"no route {method} {path}"))
            if self.api_key is not None and presented_key(headers) != self.api_key:
                return Reply(401, _error_body("authentication_error", "invalid x-api-key"))
            if "anthropic-version" not in headers:
                return Reply(400, _error_body("invalid_request_error", "anthropic-version missing"))
            problem = check_request(body)
            if problem is not None:
                return Reply(400, _error_body("invalid_request_error", problem))
            if not self._replies:
                return Reply(400, _error_body("invalid_request_error", "fake: script exhausted"))
            return self._replies.pop(0)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = server._answer(self.command, self.path, headers, raw)
                data = json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.send_header("request-id", f"req_fake_{len(server.requests):04d}")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_POST = _serve  # noqa: N815 - the names http.server dispatches to
            do_GET = _serve  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: tests read `server.requests` instead

        return Handler


@pytest.fixture
def messages_api() -> Iterator[MessagesAPIServer]:
    """A running fake Messages API; import this fixture into a conftest to use it."""
    with MessagesAPIServer() as server:
        yield server
