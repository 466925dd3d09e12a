"""Words for routing: tokenizing and a small suffix-stripping stemmer.

Both the routing keywords and the task's text go through the same `stem_words`, so a
rule only has to map inflections of one word onto the same stem, not onto a real word:
"deploying", "deployed", "deployments" -> "deploy"; "containerized" -> "container";
"images", "image" -> "imag"."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

_WORD = re.compile(r"[a-z0-9]+")

# Irregular forms the suffix rules cannot reach.
_IRREGULAR = {"built": "build", "ran": "run"}

# (suffix, replacement), the first that applies wins; a rule only applies when at least
# `_MIN_STEM` characters remain, so short words ("aws", "k8s", "ci") are left alone.
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("izations", ""),
    ("ization", ""),
    ("isations", ""),
    ("isation", ""),
    ("izing", ""),
    ("ising", ""),
    ("ized", ""),
    ("ised", ""),
    ("izes", ""),
    ("ises", ""),
    ("ize", ""),
    ("ise", ""),
    ("ments", ""),
    ("ment", ""),
    ("ies", "y"),
    ("ing", ""),
    ("ed", ""),
    ("es", "e"),
    ("s", ""),
)
_MIN_STEM = 3
_SHORT = 3  # words this short are never stemmed


def stem(word: str) -> str:
    """The stem of one lower-case word."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= _SHORT or word.endswith("ss"):
        return word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            word = word[: -len(suffix)] + replacement
            break
    # "running" -> "runn" -> "run"; "scale"/"scaled" -> "scal".
    if len(word) > _MIN_STEM and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]
    if len(word) > _MIN_STEM and word.endswith("e"):
        word = word[:-1]
    return word


def stem_words(text: str) -> tuple[str, ...]:
    """Lower-cased, split on anything not a letter or digit ("ci/cd" -> ci, cd;
    "docker-compose" -> docker, compose), each word stemmed."""
    return tuple(stem(word) for word in _WORD.findall(text.lower()))


class WordIndex:
    """A task's stemmed words with the positions of each, so looking up a phrase costs
    the occurrences of its first word, not the length of the text (task text is
    hostile and may be a megabyte)."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = tuple(words)
        positions: dict[str, list[int]] = {}
        for index, word in enumerate(self.words):
            positions.setdefault(word, []).append(index)
        self._positions = positions

    def has_phrase(self, phrase: Sequence[str]) -> bool:
        """Whether the stemmed `phrase` occurs as consecutive whole words."""
        wanted = tuple(phrase)
        if not wanted:
            return False
        size = len(wanted)
        starts = self._positions.get(wanted[0], ())
        return any(self.words[i : i + size] == wanted for i in starts)


def _is_location(value: str) -> bool:
    """Paths and URLs name places, not wishes: "/workspace", "https://gitlab.com/x"."""
    text = value.strip()
    return "://" in text or text.startswith(("/", "./", "../", "~", "git@"))


def iter_context_text(context: Mapping[str, Any]) -> Iterator[str]:
    """The words of a task's context worth routing on: keys whose value is set
    ("cloud_provider" for `cloud_provider: aws`) and string values that are not paths or
    URLs, recursively through nested mappings and lists."""
    for key, value in context.items():
        if value in (None, False, "", [], {}):
            continue
        yield str(key)
        yield from _iter_value_text(value)


def _iter_value_text(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        yield from iter_context_text(value)
    elif isinstance(value, str):
        if not _is_location(value):
            yield value
    elif isinstance(value, Iterable) and not isinstance(value, bytes):
        for item in value:
            yield from _iter_value_text(item)
