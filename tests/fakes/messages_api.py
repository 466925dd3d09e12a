"""A local HTTP server that speaks the Anthropic Messages API as strictly as the real
one, for driving the REAL `anthropic` SDK in tests without the internet.

It is a protocol peer, not a mock of our code. `POST /v1/messages`:

- refuses what the real API refuses (`messages_rules.check_request`: empty content and
  text blocks, tool_use without its tool_results first in the next message, unknown
  tool_use ids, bad tool names and schemas, out-of-range max_tokens, unknown models,
  more than 4 cache breakpoints, a 1-hour breakpoint after a 5-minute one, an unknown
  ttl, bad thinking parameters, ...), a missing key or version header, bodies over
  `max_request_bytes` (413 with an HTML body, as the edge proxy sends it) and prompts
  over the model's context window ("prompt is too long");
- counts input tokens and prompt caching like the API bills them (`messages_cache`:
  the tools -> system -> messages hierarchy, invalidation by tool_choice, thinking and
  images, the 5-minute and 1-hour TTLs with their usage split);
- answers the scripted replies in order, as JSON or as server-sent events when the
  request streams, cutting a reply at `max_tokens` (stop reason `max_tokens`, a tool
  call's input left partial) or at the context window (`model_context_window_exceeded`);
- sends a `request-id` header on every answer (and `request_id` in error bodies).

    server.reply_tool_use("Write", {"path": "Dockerfile", "content": "FROM ..."})
    server.reply_submit({"summary": "done"})
    server.reply_error(529, "overloaded_error", headers={"retry-after": "0.01"})

Use the `messages_api` fixture (import it into a conftest) or the context manager.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jiter
import pytest

from fakes.messages_cache import InputUsage, PromptCache, prompt_tokens, text_tokens
from fakes.messages_rules import ApiProblem, check_request, known_models
from fakes.messages_sse import stream_events

DEFAULT_MODEL = "claude-sonnet-5-5"
SUBMIT_TOOL = "submit_result"
REQUEST_LIMIT_BYTES = 32 * 1024 * 1024
TOO_LARGE_HTML = (
    "<html><head><title>413 Request Entity Too Large</title></head>"
    "<body><center><h1>413 Request Entity Too Large</h1></center></body></html>"
)


@dataclass(frozen=True)
class Reply:
    """A scripted answer: a message (content and stop reason) or an HTTP error."""

    content: list[dict[str, Any]] = field(default_factory=list)
    stop_reason: str = "end_turn"
    stop_sequence: str | None = None
    stop_details: dict[str, Any] | None = None
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)
    stream_error: dict[str, Any] | None = None  # an error event in the middle of a stream
    usage: tuple[int, int] | None = None  # (input, output) reported instead of counted
    # A model that keeps working: this reply (one tool call) is served again and again
    # until a request forces `until_forced`'s tool; that request gets `until_forced`.
    until_forced: dict[str, Any] | None = None


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any]
    request_id: str = ""
    usage: dict[str, int] = field(default_factory=dict)  # what the answer reported

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.body.get("messages", [])
        return messages

    def tool_results(self) -> list[dict[str, Any]]:
        """The tool_result blocks of the last user message."""
        if not self.messages or not isinstance(self.messages[-1]["content"], list):
            return []
        return [b for b in self.messages[-1]["content"] if b.get("type") == "tool_result"]

    def last_texts(self) -> list[str]:
        """The texts of the last message (a string content counts as one)."""
        content = self.messages[-1]["content"] if self.messages else []
        if isinstance(content, str):
            return [content]
        return [b["text"] for b in content if b.get("type") == "text"]


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)
    events: list[bytes] | None = None  # a streamed answer
    request_id: str = ""


def text_block(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def tool_use_block(name: str, tool_input: dict[str, Any], tool_id: str) -> dict[str, Any]:
    return {"type": "tool_use", "id": tool_id, "name": name, "input": tool_input}


def error_body(error_type: str, message: str, request_id: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {"type": "error", "error": {"type": error_type, "message": message}}
    if request_id:
        body["request_id"] = request_id
    return body


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The credential of a request: `x-api-key`, or a bearer token (newer SDKs)."""
    if "x-api-key" in headers:
        return headers["x-api-key"]
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def _block_tokens(block: dict[str, Any]) -> int:
    if block["type"] == "text":
        return text_tokens(block["text"])
    return text_tokens(json.dumps(block["input"]))


def _cut(block: dict[str, Any], budget: int) -> tuple[dict[str, Any] | None, str | None]:
    """The first `budget` tokens of a block, and for a tool call the cut JSON text."""
    chars = budget * 4
    if block["type"] == "text":
        text = block["text"][:chars]
        return ({**block, "text": text} if text else None), None
    raw = json.dumps(block["input"])[:chars]
    partial = jiter.from_json(raw.encode(), partial_mode=True) if raw else {}
    return {**block, "input": partial if isinstance(partial, dict) else {}}, raw


def _flat_usage(usage: dict[str, Any]) -> dict[str, int]:
    """A Message's usage as one level of counts (the TTL split included)."""
    counts = {k: v for k, v in usage.items() if isinstance(v, int)}
    return counts | dict(usage.get("cache_creation") or {})


def _impossible_under(choice: Any, reply: Reply) -> str | None:
    """A scripted answer the real API cannot give under this tool_choice (a refusal can
    come instead of any answer)."""
    if not isinstance(choice, dict) or reply.stream_error is not None:
        return None
    if reply.stop_reason == "refusal":
        return None
    names = [b["name"] for b in reply.content if b.get("type") == "tool_use"]
    if choice.get("type") == "tool" and choice.get("name") not in names:
        return f"the script answers {names or 'text'} but tool_choice forces {choice['name']}"
    if choice.get("type") == "any" and not names:
        return "the script answers text but tool_choice forces a tool call"
    if choice.get("type") == "none" and names:
        return f"the script calls {names} but tool_choice forbids tools"
    return None


class MessagesAPIServer:
    """`POST /v1/messages` with scripted replies; see the module docstring."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        context_window: int = 200_000,
        min_cacheable_tokens: int = 1024,
        max_request_bytes: int = REQUEST_LIMIT_BYTES,
    ) -> None:
        self.api_key = api_key  # when set, other keys get 401 like the real API
        self.models = known_models(context_window)
        self.cache = PromptCache(min_cacheable_tokens)
        self.max_request_bytes = max_request_bytes
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

    def reset(self) -> None:
        """Forget the script, the requests and the cache (a server shared by tests)."""
        with self._lock:
            self._replies.clear()
            self.requests.clear()
        self.cache = PromptCache(self.cache.min_cacheable_tokens)
        self.api_key = None
        self.max_request_bytes = REQUEST_LIMIT_BYTES

    # -- scripting ---------------------------------------------------------------------

    def _push(self, reply: Reply) -> None:
        with self._lock:
            self._replies.append(reply)

    def new_tool_id(self) -> str:
        return f"toolu_fake_{next(self._ids):04d}"

    def reply_message(
        self,
        content: list[dict[str, Any]],
        *,
        stop_reason: str = "end_turn",
        stop_sequence: str | None = None,
        stop_details: dict[str, Any] | None = None,
        usage: tuple[int, int] | None = None,
    ) -> None:
        """A successful answer with these content blocks (cut if max_tokens is smaller);
        `usage` = (input, output) tokens to report instead of the counted ones."""
        reply = Reply(content, stop_reason, stop_sequence, stop_details, usage=usage)
        self._push(reply)

    def reply_text(
        self, text: str, *, stop_reason: str = "end_turn", usage: tuple[int, int] | None = None
    ) -> None:
        blocks = [text_block(text)] if text else []
        self.reply_message(blocks, stop_reason=stop_reason, usage=usage)

    def reply_tool_use(
        self,
        name: str,
        tool_input: dict[str, Any],
        *,
        text: str = "",
        usage: tuple[int, int] | None = None,
    ) -> str:
        """An answer asking for one tool call; returns its tool_use id."""
        return self.reply_tool_uses([(name, tool_input)], text=text, usage=usage)[0]

    def reply_tool_uses(
        self,
        calls: list[tuple[str, dict[str, Any]]],
        *,
        text: str = "",
        usage: tuple[int, int] | None = None,
    ) -> list[str]:
        ids = [self.new_tool_id() for _ in calls]
        blocks = [text_block(text)] if text else []
        blocks += [tool_use_block(n, i, t) for (n, i), t in zip(calls, ids, strict=True)]
        self.reply_message(blocks, stop_reason="tool_use", usage=usage)
        return ids

    def reply_submit(self, result: dict[str, Any], *, text: str = "") -> str:
        """The model calls the engine's `submit_result` tool with `result`."""
        return self.reply_tool_use(SUBMIT_TOOL, result, text=text)

    def reply_refusal(self, text: str = "", explanation: str | None = None) -> None:
        details = {"type": "refusal", "category": None, "explanation": explanation}
        self.reply_message(
            [text_block(text)] if text else [], stop_reason="refusal", stop_details=details
        )

    def reply_error(
        self,
        status: int,
        error_type: str,
        message: str = "scripted error",
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        body = json.dumps(error_body(error_type, message)).encode()
        self._push(Reply(status=status, body=body, headers=headers or {}))

    def reply_raw(
        self, status: int, body: str, *, content_type: str = "text/html", **headers: str
    ) -> None:
        """An error answer whose body is not JSON (a proxy's page)."""
        self._push(
            Reply(status=status, body=body.encode(), content_type=content_type, headers=headers)
        )

    def reply_stream_error(
        self, error_type: str = "overloaded_error", message: str = "Overloaded"
    ) -> None:
        """A streamed answer that breaks off with an error event after message_start
        (a non-streaming request gets the matching HTTP error instead)."""
        self._push(Reply(stream_error=error_body(error_type, message)))

    def reply_until_forced(
        self, name: str, tool_input: dict[str, Any], submission: dict[str, Any]
    ) -> None:
        """The model calls `name` turn after turn until a request forces submit_result
        (a budget or a limit reached), then submits `submission`."""
        use = tool_use_block(name, tool_input, "")
        final = tool_use_block(SUBMIT_TOOL, submission, "")
        self._push(Reply([use], stop_reason="tool_use", until_forced=final))

    def _next_reply(self, choice: Any) -> Reply | None:
        """The next scripted reply (the lock is held); a working loop stays first until
        forced, each of its calls with a new id."""
        if not self._replies:
            return None
        reply = self._replies[0]
        if reply.until_forced is None:
            return self._replies.pop(0)
        forced = isinstance(choice, dict) and choice.get("name") == reply.until_forced["name"]
        block = reply.until_forced if forced else reply.content[0]
        if forced:
            self._replies.pop(0)
        fresh = {**block, "id": self.new_tool_id()}
        return Reply([fresh], stop_reason="tool_use")

    @property
    def pending(self) -> int:
        """Scripted replies not yet served."""
        with self._lock:
            return len(self._replies)

    # -- serving -----------------------------------------------------------------------

    def _error(self, problem: ApiProblem, request_id: str) -> _Answer:
        body = error_body(problem.error_type, problem.message, request_id)
        return _Answer(problem.status, json.dumps(body).encode())

    def _answer(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> _Answer:
        request_id = f"req_fake_{next(self._ids):06d}"
        answer = self._decide(method, path, headers, raw, request_id)
        return replace(answer, request_id=request_id)

    def _decide(
        self, method: str, path: str, headers: dict[str, str], raw: bytes, request_id: str
    ) -> _Answer:
        try:
            parsed: Any = json.loads(raw or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            parsed = None
        body = parsed if isinstance(parsed, dict) else {}
        record = RecordedRequest(method, path, headers, body, request_id)
        with self._lock:
            self.requests.append(record)
        if method != "POST" or path.split("?")[0] != "/v1/messages":
            return self._error(ApiProblem(404, "not_found_error", f"Not found: {path}"), request_id)
        if len(raw) > self.max_request_bytes:
            return _Answer(413, TOO_LARGE_HTML.encode(), "text/html")
        if self.api_key is not None and presented_key(headers) != self.api_key:
            return self._error(
                ApiProblem(401, "authentication_error", "invalid x-api-key"), request_id
            )
        if "anthropic-version" not in headers:
            problem = ApiProblem(
                400, "invalid_request_error", "anthropic-version: header is required"
            )
            return self._error(problem, request_id)
        if parsed is None:
            problem = ApiProblem(
                400, "invalid_request_error", "There was an error parsing the body"
            )
            return self._error(problem, request_id)
        problem = check_request(parsed, self.models) or self._too_long(parsed)
        if problem is not None:
            return self._error(problem, request_id)
        with self._lock:
            reply = self._next_reply(parsed.get("tool_choice"))
        if reply is None:
            problem = ApiProblem(400, "invalid_request_error", "fake: the script is exhausted")
            return self._error(problem, request_id)
        if reply.status != 200:
            return _Answer(reply.status, reply.body, reply.content_type, reply.headers)
        impossible = _impossible_under(parsed.get("tool_choice"), reply)
        if impossible is not None:
            problem = ApiProblem(400, "invalid_request_error", f"fake: {impossible}")
            return self._error(problem, request_id)
        return self._message(reply, parsed, record)

    def _too_long(self, body: dict[str, Any]) -> ApiProblem | None:
        window = self.models[body["model"]].context_window
        total = prompt_tokens(body)
        if total <= window:
            return None
        message = f"prompt is too long: {total} tokens > {window} maximum"
        return ApiProblem(400, "invalid_request_error", message)

    def _message(self, reply: Reply, body: dict[str, Any], record: RecordedRequest) -> _Answer:
        window = self.models[body["model"]].context_window
        usage = self.cache.account(body)
        if reply.stream_error is not None and not body.get("stream"):
            error = reply.stream_error["error"]
            return self._error(ApiProblem(529, error["type"], error["message"]), record.request_id)
        budget = min(body["max_tokens"], window - usage.total)
        content: list[dict[str, Any]] = []
        raw_inputs: dict[int, str] = {}
        spent = 0
        stop_reason = reply.stop_reason
        for block in reply.content:
            cost = _block_tokens(block)
            if spent + cost > budget:
                cut, raw = _cut(block, budget - spent)
                if cut is not None:
                    if raw is not None:
                        raw_inputs[len(content)] = raw
                    content.append(cut)
                spent = budget
                cut_by_window = budget < body["max_tokens"]
                stop_reason = "model_context_window_exceeded" if cut_by_window else "max_tokens"
                break
            content.append(block)
            spent += cost
        message = {
            "id": f"msg_fake_{next(self._ids):06d}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": reply.stop_sequence if stop_reason == "stop_sequence" else None,
            "stop_details": reply.stop_details if stop_reason == "refusal" else None,
            "usage": {
                **usage.render(),
                "output_tokens": max(spent, 1),
                "service_tier": "standard",
            },
        }
        if reply.usage is not None:
            message["usage"] |= {
                **InputUsage(reply.usage[0], 0).render(),
                "output_tokens": reply.usage[1],
            }
        with self._lock:
            index = self.requests.index(record)
            self.requests[index] = RecordedRequest(
                record.method,
                record.path,
                record.headers,
                record.body,
                record.request_id,
                _flat_usage(message["usage"]),
            )
        if body.get("stream"):
            events = list(stream_events(message, raw_inputs, reply.stream_error))
            return _Answer(200, b"", "text/event-stream", events=events)
        return _Answer(200, json.dumps(message).encode())

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer = server._answer(self.command, self.path, headers, raw)
                self.send_response(answer.status)
                self.send_header("content-type", answer.content_type)
                self.send_header("request-id", answer.request_id)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if answer.events is None:
                    self.send_header("content-length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                    return
                self.send_header("cache-control", "no-cache")
                self.send_header("connection", "close")
                self.end_headers()
                for chunk in answer.events:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                self.close_connection = True

            do_POST = _serve  # noqa: N815 - the names http.server dispatches to
            do_GET = _serve  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: tests read `server.requests` instead

        return Handler


@pytest.fixture
def messages_api() -> Iterator[MessagesAPIServer]:
    """A running strict Messages API stand-in; import this fixture into a conftest."""
    with MessagesAPIServer() as server:
        yield server
