"""A definition's `model` to a model id: the aliases `sonnet`, `opus` and `haiku` map to
the pinned ids of the configuration (`DEVOPS_MODEL_SONNET`, ...), `inherit` (Claude
Code's word for "the session's model") and an empty value to the operator's default
(`DEVOPS_MODEL_DEFAULT`); anything else is taken as a full model id."""

from __future__ import annotations

from devops_orchestrator.config import Settings

ALIASES = ("sonnet", "opus", "haiku")
INHERIT = "inherit"


def resolve_model(name: str, settings: Settings) -> str:
    chosen = name.strip()
    if chosen.lower() in (INHERIT, ""):
        chosen = settings.model_default.strip()
    if chosen.lower() in ALIASES:
        configured: str = getattr(settings, f"model_{chosen.lower()}")
        chosen = configured.strip()
    if not chosen or chosen.lower() in (*ALIASES, INHERIT):
        raise ValueError(f"no model id configured for {name!r}")
    return chosen
