"""Secrets never leave the engine: every text it hands on passes through here (the
encoding-aware redaction of `core.redaction`)."""

from __future__ import annotations

from devops_orchestrator.core.redaction import REDACTED, redact

__all__ = ["REDACTED", "redact"]
