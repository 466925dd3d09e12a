"""Facts an artifact states about the application: the port it listens on, the health
path, the image name and the start command, each with the place that states it."""

from __future__ import annotations

import re
from dataclasses import dataclass

PORT = "port"
HEALTH = "health path"
IMAGE = "image"
COMMAND = "start command"
KINDS = (PORT, HEALTH, IMAGE, COMMAND)

_URL_PATH = re.compile(r"https?://[\w.\-\[\]]+(?::(\d{1,5}))?(/[^\s\"'\\]*)?")
_VARIABLE_DEFAULT = re.compile(r"^\$\{\w+:?-([^}]+)\}$")


@dataclass(frozen=True)
class Fact:
    """`kind` is one of KINDS; `what` names the setting (EXPOSE, containerPort, ...)."""

    kind: str
    value: str
    file: str
    line: int | None
    what: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


def url_port_and_path(text: str) -> tuple[str | None, str | None]:
    """Port and path of the first http(s) URL in `text` (a probe or healthcheck command)."""
    match = _URL_PATH.search(text)
    if match is None:
        return None, None
    return match.group(1), (match.group(2) or "/")


def image_name(reference: str) -> str | None:
    """`ghcr.io/org/app:1.0` -> `ghcr.io/org/app`; `${IMAGE:-x:1}` -> `x`; None for a
    reference made of variables only (nothing to compare)."""
    reference = reference.strip().strip("\"'")
    if match := _VARIABLE_DEFAULT.match(reference):
        reference = match.group(1)
    if not reference or "$" in reference or "{{" in reference:
        return None
    name = reference.split("@", 1)[0]
    head, _, last = name.rpartition("/")
    last = last.split(":", 1)[0]
    return f"{head}/{last}" if head else last


def same_image(a: str, b: str) -> bool:
    """Fully named images must match; an unqualified one (`app:dev` in compose) only has
    to match the last path segment."""
    if "/" in a and "/" in b:
        return a == b
    return a.rsplit("/", 1)[-1] == b.rsplit("/", 1)[-1]


def normal_path(path: str) -> str:
    return path.split("?", 1)[0].rstrip("/") or "/"
