"""Red team, encodings: a hijacked model that reaches a secret would ask for it
encoded, reversed or in pieces. Every form comes back redacted."""

from __future__ import annotations

import base64
import textwrap

import pytest

from devops_orchestrator.core.redaction import REDACTED, redact

KEY = "sk-ant-api03-Zq8R0tV7yN2mK5pL9xW4bC1dF6gH3jA-redteam"
TOKEN = "ghp_RedTeamToken0123456789abcdefXYZ"


def _env_dump(value: str) -> bytes:
    return f"HOME=/tmp\nANTHROPIC_API_KEY={value}\nPATH=/usr/bin\n".encode()


ENCODINGS = {
    "plain": lambda s: s,
    "reversed": lambda s: s[::-1],
    "hex": lambda s: s.encode().hex(),
    "HEX": lambda s: s.encode().hex().upper(),
    "hex of reversed": lambda s: s[::-1].encode().hex(),
    "base64": lambda s: base64.b64encode(s.encode()).decode(),
    "base64 of env dump": lambda s: base64.b64encode(_env_dump(s)).decode(),
    "base64 wrapped at 76": lambda s: "\n".join(
        textwrap.wrap(base64.b64encode(b"x" * 7 + _env_dump(s)).decode(), 76)
    ),
    "urlsafe base64 at offset 1": lambda s: base64.urlsafe_b64encode(b"y" + s.encode()).decode(),
    "base64 of reversed": lambda s: base64.b64encode(s[::-1].encode()).decode(),
    "folded at 10": lambda s: "\n".join(textwrap.wrap(s, 10)),
    "reversed and folded": lambda s: "\n".join(textwrap.wrap(s[::-1], 7)),
    "hex folded": lambda s: "\n".join(textwrap.wrap(s.encode().hex(), 16)),
    "spaced pairs (xxd -p style)": lambda s: " ".join(textwrap.wrap(s.encode().hex(), 4)),
    "first half only": lambda s: s[: len(s) // 2],
    "second half only": lambda s: s[len(s) // 2 :],
}


@pytest.mark.parametrize("secret", [KEY, TOKEN])
@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_encoded_secrets_are_redacted(secret: str, encoding: str) -> None:
    leaked = ENCODINGS[encoding](secret)
    text = f"exit code 0\nsome output before\n{leaked}\nafter\n"
    cleaned = redact(text, [KEY, TOKEN])
    assert REDACTED in cleaned
    assert leaked not in cleaned
    compact = "".join(cleaned.split())
    for form in ENCODINGS.values():  # no form of it survives, pieces included
        assert "".join(form(secret).split()) not in compact
    assert cleaned.startswith("exit code 0\nsome output before\n")
    assert cleaned.endswith("after\n")


def test_ordinary_output_is_left_alone() -> None:
    text = "FROM node:20-alpine\nRUN npm ci\n" + "aGVsbG8gd29ybGQ= 68656c6c6f dlrow olleh\n"
    assert redact(text, [KEY, TOKEN]) == text
