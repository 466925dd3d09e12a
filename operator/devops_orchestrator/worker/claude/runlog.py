"""Structured worker logs: one logfmt line per model turn and per tool call.

    turn=3 stop=tool_use in=312 out=88 cache_read=4210 cache_write=350 cost_usd=0.0031
        duration_s=2.41 request_id=req_01...
    tool=Write arg="Dockerfile" error=false duration_s=0.01 chars=64

Arguments are shortened and redacted: a log line never carries a secret or a file body."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence

from devops_orchestrator.models import TokenUsage
from devops_orchestrator.worker.claude.redact import redact

log = logging.getLogger("devops_orchestrator.worker.claude.run")

ARG_MAX_CHARS = 80
# The argument that says what a call is about, per tool; others show their keys only.
_MAIN_ARGUMENT = {
    "Read": "path",
    "Write": "path",
    "Edit": "path",
    "Glob": "pattern",
    "Grep": "pattern",
    "Bash": "command",
}


def logfmt(**fields: object) -> str:
    parts = []
    for key, value in fields.items():
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, float):
            text = f"{value:.4g}"
        else:
            text = str(value)
        # Quoted as JSON (which escapes every control and non-ASCII character) whenever
        # it could split the line or fool a terminal: model-chosen text (ESC, CR, U+2028)
        # must not forge log lines.
        if not text or not text.isprintable() or any(c in text for c in ' "='):
            text = json.dumps(text)
        parts.append(f"{key}={text}")
    return " ".join(parts)


def short_argument(tool: str, args: object, secrets: Sequence[str]) -> str:
    if not isinstance(args, Mapping):
        return "?"
    key = _MAIN_ARGUMENT.get(tool)
    value = args.get(key) if key else None
    text = str(value) if isinstance(value, str) else ",".join(sorted(str(k) for k in args))
    text = redact(text.replace("\n", " "), secrets)
    return text if len(text) <= ARG_MAX_CHARS else text[: ARG_MAX_CHARS - 3] + "..."


def log_turn(
    turn: int,
    stop: str | None,
    usage: TokenUsage,
    duration: float,
    request_id: str | None,
    max_tokens: int,
) -> None:
    log.info(
        logfmt(
            turn=turn,
            stop=stop or "none",
            **{"in": usage.input_tokens},
            out=usage.output_tokens,
            cache_read=usage.cache_read_tokens,
            cache_write=usage.cache_write_tokens,
            cost_usd=usage.cost_usd,
            max_tokens=max_tokens,
            duration_s=round(duration, 2),
            request_id=request_id or "none",
        )
    )


def log_tool(tool: str, argument: str, is_error: bool, duration: float, chars: int) -> None:
    log.info(
        logfmt(tool=tool, arg=argument, error=is_error, duration_s=round(duration, 3), chars=chars)
    )


def log_event(event: str, **fields: object) -> None:
    log.warning(logfmt(event=event, **fields))
