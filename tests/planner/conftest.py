"""The Claude planner against the local Messages API stand-in (the real SDK over HTTP)."""

from __future__ import annotations

from fakes.messages_api import messages_api

__all__ = ["messages_api"]
