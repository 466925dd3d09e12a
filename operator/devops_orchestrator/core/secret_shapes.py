"""Secret-shaped values out of a short text, by their well-known shapes. Pure.

The worker redacts the secrets it holds before it logs anything; text relayed from a
worker's log goes through this too, because the model may have written a credential
the worker never knew (read from a file of the workspace, or invented to test us) and
because the operator holds values the worker does not (its own API key)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from devops_orchestrator.core.redaction import MIN_SECRET_CHARS, REDACTED, redact

_SHAPES = re.compile(
    "|".join(
        (
            r"sk-ant-[A-Za-z0-9_-]{8,}",  # Anthropic
            r"sk-[A-Za-z0-9_-]{20,}",  # OpenAI-style keys
            r"gh[pousr]_[A-Za-z0-9]{20,}",  # GitHub tokens
            r"github_pat_[A-Za-z0-9_]{20,}",
            r"glpat-[A-Za-z0-9_-]{20,}",  # GitLab
            r"(?:AKIA|ASIA)[0-9A-Z]{16}",  # AWS access key ids
            r"xox[abprs]-[A-Za-z0-9-]{10,}",  # Slack
            r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",  # JWTs
            r"-----BEGIN[A-Z ]*PRIVATE KEY-----",
        )
    )
)
# `user:password@` in URLs; `password=...`, `token: ...` and the like (the name is kept).
_URL_CREDENTIALS = re.compile(r"(?<=://)[^/\s@]+@")
_NAMED = re.compile(
    r"(?i)\b((?:[a-z0-9]+[_-])*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key)"
    r"\s*[=:]\s*)[^\s&;,]+"
)
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
# A text cut short ("..." is the worker's mark) may end in the first part of a secret,
# too short for its shape: a known prefix right before the cut is enough.
_CUT_SHAPE = re.compile(
    r"(?:sk-|gh[pousr]_|github_pat_|glpat-|AKIA|ASIA|xox[abprs]-|eyJ)[A-Za-z0-9_.-]*"
    r"(?=(?:\.\.\.|…)$)"
)


def redact_secret_shapes(text: str, known: Iterable[str] = ()) -> str:
    """`text` with known secret values and secret-shaped values replaced by REDACTED."""
    # The worker's redaction (encoded and split forms too); shorter known values would
    # redact ordinary words.
    text = redact(text, [k for k in known if len(k) >= MIN_SECRET_CHARS])
    text = _SHAPES.sub(REDACTED, text)
    text = _CUT_SHAPE.sub(REDACTED, text)
    text = _URL_CREDENTIALS.sub(REDACTED + "@", text)
    text = _NAMED.sub(lambda m: m.group(1) + REDACTED, text)
    return _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
