"""Model aliases of the front matter (`sonnet`, `opus`, `haiku`) to model ids.

A configured id (`DEVOPS_MODEL_SONNET`, ...) wins; otherwise the newest id of that family
that the installed `anthropic` SDK lists in `anthropic.types.Model`. Anything that is not
an alias is taken as a full model id and passed through."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterable
from functools import lru_cache

from anthropic.types import Model

from devops_orchestrator.config import Settings

FAMILIES = ("sonnet", "opus", "haiku")

# claude-sonnet-4-5, claude-sonnet-4-5-20250929, claude-opus-4, and the older
# claude-3-5-sonnet-20241022 / claude-3-opus-latest naming.
_NEW = re.compile(
    r"^claude-(?P<family>[a-z]+)-(?P<major>\d+)(?:-(?P<minor>\d{1,2}))?(?:-(?P<date>\d{8}))?$"
)
_OLD = re.compile(
    r"^claude-(?P<major>\d+)(?:-(?P<minor>\d{1,2}))?-(?P<family>[a-z]+)(?:-(?P<date>\d{8}|latest))?$"
)

_Rank = tuple[int, int, int, int]


def _rank(model_id: str) -> tuple[str, _Rank] | None:
    """(family, sort key) of an id: version first, then the undated alias over snapshots."""
    match = _NEW.match(model_id) or _OLD.match(model_id)
    if match is None:
        return None
    date = match.group("date")
    alias = 1 if date in (None, "latest") else 0
    snapshot = int(date) if date and date != "latest" else 0
    version = (int(match.group("major")), int(match.group("minor") or 0))
    return match.group("family"), (*version, alias, snapshot)


def newest_by_family(model_ids: Iterable[str]) -> dict[str, str]:
    """The newest id of every family among `model_ids` (previews and odd names ignored)."""
    best: dict[str, tuple[_Rank, str]] = {}
    for model_id in model_ids:
        ranked = _rank(model_id)
        if ranked is None:
            continue
        family, key = ranked
        if family not in best or key > best[family][0]:
            best[family] = (key, model_id)
    return {family: model_id for family, (_, model_id) in best.items()}


def sdk_model_ids() -> list[str]:
    """The model ids the installed SDK lists (the string members of its `Model` type)."""
    ids: list[str] = []
    for arg in typing.get_args(Model):
        ids += [value for value in typing.get_args(arg) if isinstance(value, str)]
    return ids


@lru_cache(maxsize=1)
def sdk_defaults() -> dict[str, str]:
    return newest_by_family(sdk_model_ids())


def resolve_model(name: str, settings: Settings) -> str:
    """The model id for a definition's `model` field."""
    alias = name.strip().lower()
    if alias not in FAMILIES:
        return name.strip()
    configured: str = getattr(settings, f"model_{alias}")
    if configured:
        return configured
    try:
        return sdk_defaults()[alias]
    except KeyError:
        raise ValueError(
            f"the installed anthropic SDK knows no {alias} model; set DEVOPS_MODEL_{alias.upper()}"
        ) from None
