"""The pod's own metadata as the downward API renders it (the kubelet's
`fieldpath.ExtractFieldPathAsString`): for env `fieldRef`s and downwardAPI volume items.

Values are handed over verbatim: an annotation's value becomes the file's bytes (UTF-8)
or the variable's value as it is, never expanded or interpreted."""

from __future__ import annotations

import re
from typing import Any

from devcluster.pod_setup_error import PodSetupError

REASON = "CreateContainerConfigError"
# A qualified name (a label or annotation key): an optional DNS-subdomain prefix and '/',
# then a name of at most 63 characters.
_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_PREFIX = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_GO_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def _is_qualified_name(key: str) -> bool:
    prefix, slash, name = key.rpartition("/")
    if slash and not (0 < len(prefix) <= 253 and _PREFIX.fullmatch(prefix)):
        return False
    return len(name) <= 63 and _NAME.fullmatch(name) is not None


def go_quote(text: str) -> str:
    """`text` as Go's %q writes it (strconv.Quote): printable characters as they are."""
    out = []
    for char in text:
        if char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def format_map(values: dict[str, str]) -> str:
    """A whole labels/annotations map: `key="value"` lines, sorted by key."""
    return "\n".join(f"{key}={go_quote(value)}" for key, value in sorted(values.items()))


def _split_subscript(path: str) -> tuple[str, str] | None:
    if not path.endswith("']"):
        return None
    head, found, key = path[:-2].partition("['")
    return (head, key) if found and head else None


def metadata_field_value(pod: dict[str, Any], path: str) -> str:
    """The value of `path` among the pod's own metadata (what a downwardAPI volume item
    may name); an unsupported path or a bad key subscript is a PodSetupError."""
    meta = pod["metadata"]
    subscripted = _split_subscript(path)
    if subscripted is not None:
        head, key = subscripted
        if head not in ("metadata.annotations", "metadata.labels"):
            raise PodSetupError(REASON, f"fieldPath {head!r} does not support subscript")
        checked = key.lower() if head == "metadata.annotations" else key
        if not _is_qualified_name(checked):
            raise PodSetupError(REASON, f"invalid key subscript in {path}")
        values: dict[str, str] = meta.get(head.removeprefix("metadata.")) or {}
        return values.get(key, "")
    if path in ("metadata.annotations", "metadata.labels"):
        return format_map(meta.get(path.removeprefix("metadata.")) or {})
    if path in ("metadata.name", "metadata.namespace", "metadata.uid"):
        return str(meta.get(path.removeprefix("metadata."), ""))
    raise PodSetupError(REASON, f"unsupported fieldPath: {path}")
