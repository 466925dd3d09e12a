"""JSON merge patches (RFC 7386), the way the API server applies them to a status. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def drop_nulls(value: Any) -> Any:
    """`value` without None entries in its mappings (null deletes in a merge patch)."""
    if isinstance(value, Mapping):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def build_merge_patch(
    old: Mapping[str, Any], new: Mapping[str, Any], *, keys: frozenset[str] | None = None
) -> dict[str, Any]:
    """The merge patch turning `old` into `new` (empty when they are equal). Keys gone
    from `new` become null, nested mappings are patched key by key, lists and scalars
    are replaced. With `keys`, top-level keys outside it are left alone."""
    patch: dict[str, Any] = {}
    for key in old:
        if key not in new and (keys is None or key in keys):
            patch[key] = None
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, Mapping) and isinstance(before, Mapping):
            sub = build_merge_patch(before, value)
            if sub:
                patch[key] = sub
        elif before != value or key not in old:
            patch[key] = value
    return patch


def apply_merge_patch(target: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """`target` after the API server applied `patch` to it."""
    merged = dict(target)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = apply_merge_patch(merged[key], value)
        else:
            merged[key] = drop_nulls(value)
    return merged
