"""A worker's log line -> one tool call's progress, and that progress -> the text the
network and `kubectl describe` show. Pure.

The claude engine logs each tool call as one logfmt line (`worker.claude.runlog`):

    INFO tool=Write arg="Dockerfile" error=false duration_s=0.01 chars=64

The model chooses tool arguments and anything the worker runs writes to the same log,
so a line may hold anything (escape sequences, line breaks, a megabyte, an imitation of
this format, of the result frame or of the network's log lines). Only this exact shape
is accepted; every field is checked and bounded; control, format and line-separator
characters become spaces; secret-shaped values are redacted again. The worker's name
comes from its Job (our label), never from the line, so a forged line can at most
describe a tool call of its own worker, in our words."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from devops_orchestrator.core.secret_shapes import redact_secret_shapes

LINE_PREFIX = "INFO tool="
MAX_LINE_CHARS = 2048  # a real tool line is under 300 characters
ARGUMENT_MAX_CHARS = 80  # as the worker shortens them
MAX_DURATION_SECONDS = 7 * 86400.0
ELLIPSIS = "…"

_TOOL = re.compile(r"[A-Za-z0-9_-]{1,64}")  # the Messages API's rule for tool names
_WORKER = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
# key=value, the value bare (what runlog leaves unquoted: no space, quote, '=', newline
# or tab; other control characters may be in it) or a JSON string.
_FIELD = re.compile(r'([a-z_]{1,20})=("(?:[^"\\]|\\.)*"|[^ "=\n\t]+)(?: |$)')
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class ToolCall:
    tool: str
    argument: str  # cleaned, redacted, at most ARGUMENT_MAX_CHARS
    is_error: bool
    duration_s: float


def parse_tool_line(line: str, secrets: Iterable[str] = ()) -> ToolCall | None:
    """The tool call a worker's log line reports, or None for any other line."""
    if len(line) > MAX_LINE_CHARS or not line.startswith(LINE_PREFIX):
        return None
    fields = _parse_logfmt(line[len("INFO ") :])
    if fields is None:
        return None
    tool, argument = fields.get("tool", ""), fields.get("arg")
    error, duration = fields.get("error"), _duration(fields.get("duration_s"))
    if not _TOOL.fullmatch(tool) or argument is None or error not in ("true", "false"):
        return None
    if duration is None:
        return None
    return ToolCall(
        tool, clean_text(argument, ARGUMENT_MAX_CHARS, secrets), error == "true", duration
    )


def _parse_logfmt(text: str) -> dict[str, str] | None:
    """key=value pairs covering all of `text`, each key once; None otherwise."""
    fields: dict[str, str] = {}
    position = 0
    while position < len(text):
        match = _FIELD.match(text, position)
        if match is None or match.group(1) in fields:
            return None
        key, raw = match.groups()
        if raw.startswith('"'):
            try:
                value = json.loads(raw)
            except ValueError:
                return None
        else:
            value = raw
        fields[key] = value
        position = match.end()
    return fields


def _duration(raw: str | None) -> float | None:
    try:
        value = float(raw or "")
    except ValueError:
        return None
    return value if math.isfinite(value) and 0 <= value <= MAX_DURATION_SECONDS else None


def clean_text(text: str, limit: int, secrets: Iterable[str] = ()) -> str:
    """One line of plain text: control, format, private and line-separator characters
    as spaces, spaces collapsed, secrets redacted, cut to `limit` characters."""
    text = text[: limit * 8]  # the rest could never be shown; bound the work on it
    kept = "".join(" " if _is_invisible(ch) else ch for ch in text)
    kept = redact_secret_shapes(_SPACES.sub(" ", kept).strip(), secrets)
    return kept if len(kept) <= limit else kept[: limit - 1] + ELLIPSIS


def _is_invisible(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] == "C" or category in ("Zl", "Zp")


def worker_label(value: object) -> str:
    """The worker's name as shown: its Job label when it is a plain name."""
    text = str(value or "")
    return text if _WORKER.fullmatch(text) else "worker"


def render_progress(worker: str, call: ToolCall, held: int) -> str:
    """`docker-worker: Write Dockerfile (0.0 s)`, with `failed` for an error and the
    tool calls not relayed since the last line counted at the end."""
    what = f"{call.tool} {call.argument}" if call.argument else call.tool
    outcome = (
        f"failed after {call.duration_s:.1f} s" if call.is_error else f"{call.duration_s:.1f} s"
    )
    text = f"{worker_label(worker)}: {what} ({outcome})"
    if held > 0:
        text += f" {ELLIPSIS} and {held} more tool call{'s' if held > 1 else ''}"
    return text
