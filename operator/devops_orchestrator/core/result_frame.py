"""The worker's result as it travels: a framed, compressed block at the very end of the
worker's log, read by the operator (pure codec).

Workers hold no API credentials at all, so a hijacked one cannot write anything to the
cluster; the operator reads the finished pod's log (bounded) and stores the result
itself. The frame is accepted only when it is the last thing in the log, its checksum
holds, it decompresses within a size cap, and the exit code it names is the container's
own: a frame-like text that model output pushed into the log earlier is superseded by
the worker's real frame, and a worker killed before writing one has none.

    -----BEGIN DEVOPS RESULT v1-----
    <base64 of zlib(JSON payload)>, in lines of at most LINE_CHARS
    -----END DEVOPS RESULT v1 sha256=<hex of the compressed bytes>-----
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

BEGIN = "-----BEGIN DEVOPS RESULT v1-----"
END_PREFIX = "-----END DEVOPS RESULT v1 sha256="
END_SUFFIX = "-----"
LINE_CHARS = 4000
MAX_PAYLOAD_BYTES = 4 * 1024 * 1024  # decompressed
LOG_TAIL_BYTES = 3 * 1024 * 1024  # what the operator reads of a log, at most
ACCEPTED_EXIT_CODES = (0, 1)  # the worker's own exits; anything else is a crash


class FrameError(ValueError):
    """No usable frame: the reason, safe to show."""


@dataclass(frozen=True)
class ResultFrame:
    exit_code: int
    result: dict[str, Any] | None = None
    error: str | None = None
    artifacts_data: dict[str, str] = field(default_factory=dict)
    artifacts_binary: dict[str, str] = field(default_factory=dict)
    transcript: str = ""  # the claude engine's redacted conversation (JSON lines)
    usage: dict[str, Any] | None = None  # a failed attempt's TokenUsage


def encode_frame(frame: ResultFrame) -> str:
    payload = {
        "exit_code": frame.exit_code,
        "result": frame.result,
        "error": frame.error,
        "artifacts": {"data": frame.artifacts_data, "binaryData": frame.artifacts_binary},
        "transcript": frame.transcript,
        "usage": frame.usage,
    }
    packed = zlib.compress(json.dumps(payload, separators=(",", ":")).encode(), 6)
    text = base64.b64encode(packed).decode("ascii")
    lines = [text[i : i + LINE_CHARS] for i in range(0, len(text), LINE_CHARS)]
    digest = hashlib.sha256(packed).hexdigest()
    return "\n".join([BEGIN, *lines, f"{END_PREFIX}{digest}{END_SUFFIX}"]) + "\n"


def decode_last_frame(log: str, exit_code: int) -> ResultFrame:
    """The frame that ends `log`, written by a container that exited `exit_code`."""
    lines = log.rstrip().splitlines()
    if not lines or not lines[-1].startswith(END_PREFIX) or not lines[-1].endswith(END_SUFFIX):
        raise FrameError("the worker's log does not end with a result")
    try:
        begin = len(lines) - 1 - lines[::-1].index(BEGIN)
    except ValueError:
        raise FrameError("the worker's result is cut off (no beginning)") from None
    digest = lines[-1][len(END_PREFIX) : -len(END_SUFFIX)]
    try:
        packed = base64.b64decode("".join(lines[begin + 1 : -1]), validate=True)
    except (binascii.Error, ValueError):
        raise FrameError("the worker's result is not valid base64") from None
    if hashlib.sha256(packed).hexdigest() != digest:
        raise FrameError("the worker's result fails its checksum")
    payload = _inflate(packed)
    return _validate(payload, exit_code)


def _inflate(packed: bytes) -> Any:
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(packed, MAX_PAYLOAD_BYTES + 1)
    except zlib.error:
        raise FrameError("the worker's result does not decompress") from None
    if len(raw) > MAX_PAYLOAD_BYTES or inflater.unconsumed_tail:
        raise FrameError(f"the worker's result is larger than {MAX_PAYLOAD_BYTES} bytes")
    try:
        return json.loads(raw)
    except ValueError:
        raise FrameError("the worker's result is not JSON") from None


def _string_map(value: Any, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise FrameError(f"the worker's {what} is not a map of strings")
    return value


def _validate(payload: Any, exit_code: int) -> ResultFrame:
    if not isinstance(payload, dict):
        raise FrameError("the worker's result is not an object")
    claimed = payload.get("exit_code")
    if exit_code not in ACCEPTED_EXIT_CODES or claimed != exit_code:
        raise FrameError(
            f"the result names exit code {claimed!r}, the container exited {exit_code}"
        )
    result, error = payload.get("result"), payload.get("error")
    if result is not None and not isinstance(result, dict):
        raise FrameError("the worker's result is not an object")
    if error is not None and not isinstance(error, str):
        raise FrameError("the worker's error is not text")
    artifacts = payload.get("artifacts") or {}
    if not isinstance(artifacts, dict):
        raise FrameError("the worker's artifacts are not an object")
    transcript, usage = payload.get("transcript") or "", payload.get("usage")
    if not isinstance(transcript, str) or (usage is not None and not isinstance(usage, dict)):
        raise FrameError("the worker's transcript or usage has the wrong type")
    return ResultFrame(
        exit_code=exit_code,
        result=result,
        error=error,
        artifacts_data=_string_map(artifacts.get("data") or {}, "artifacts"),
        artifacts_binary=_string_map(artifacts.get("binaryData") or {}, "binary artifacts"),
        transcript=transcript,
        usage=usage,
    )
