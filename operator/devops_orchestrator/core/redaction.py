"""Secrets out of any text handed on (the worker's tool results, errors, results, logs; the
operator's relayed progress lines). Pure.

The main defence is that no tool can reach a secret (see `worker.secrets`); this is
the second one, and it expects an attacker who knows the first: besides the secret
itself it finds the secret reversed, in hexadecimal (any case), in base64 (standard or
URL-safe, at any alignment inside a longer encoded stream, e.g. `env | base64`), and
any of these split by whitespace (`fold`, line-wrapped base64), as well as any run of
`WINDOW` characters of the secret or of its reverse (a secret leaked in pieces)."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable

REDACTED = "[redacted]"
MIN_SECRET_CHARS = 8  # shorter values are only replaced verbatim
WINDOW = 16
_SPACE = re.compile(r"\s+")


def _base64_cores(data: bytes) -> set[str]:
    """The base64 characters determined by `data` alone, for each of the 3 offsets it
    may sit at in a longer stream, in both alphabets."""
    cores: set[str] = set()
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + data + bytes(3)).decode("ascii")
        first = -(-offset * 8 // 6)  # the first character with no bit of the prefix
        last = ((offset + len(data)) * 8) // 6  # characters before it hold only data bits
        core = encoded[first:last]
        if len(core) >= MIN_SECRET_CHARS:
            cores |= {core, core.replace("+", "-").replace("/", "_")}
    return cores


def _variants(secret: str) -> tuple[set[str], set[str]]:
    """(case-sensitive variants, lower-case variants matched without case)."""
    data = secret.encode("utf-8")
    exact = {secret, secret[::-1]} | _base64_cores(data) | _base64_cores(data[::-1])
    for text in (secret, secret[::-1]):
        exact |= {text[i : i + WINDOW] for i in range(max(len(text) - WINDOW + 1, 0))}
    folded = {data.hex(), data[::-1].hex()}
    return exact, folded


def _spans(compact: str, needle: str) -> Iterable[tuple[int, int]]:
    start = compact.find(needle)
    while start != -1:
        yield start, start + len(needle)
        start = compact.find(needle, start + 1)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret, in any of the forms above, replaced by REDACTED."""
    values = [s for s in dict.fromkeys(secrets) if s]
    for short in (s for s in values if len(s) < MIN_SECRET_CHARS):
        text = text.replace(short, REDACTED)
    values = [s for s in values if len(s) >= MIN_SECRET_CHARS]
    if not values or not text:
        return text
    # Match on the text without whitespace; map each kept character to its position.
    positions = [i for i, ch in enumerate(text) if not ch.isspace()]
    compact = _SPACE.sub("", text)
    lowered = compact.lower()
    hidden = bytearray(len(text))
    for secret in values:
        exact, folded = _variants(secret)
        found = [span for v in exact for span in _spans(compact, v)]
        found += [span for v in folded for span in _spans(lowered, v)]
        for start, end in found:
            for i in range(positions[start], positions[end - 1] + 1):
                hidden[i] = 1
    if not any(hidden):
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        if hidden[i]:
            while i < len(text) and hidden[i]:
                i += 1
            out.append(REDACTED)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)
