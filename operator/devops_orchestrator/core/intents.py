"""Intent rules: what a task means beyond its keywords ("a complete pipeline" needs the
image and the deployment target too). The rules are data in the workers' definitions;
this module only evaluates them. Pure."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from devops_orchestrator.core.text import WordIndex, stem_words
from devops_orchestrator.models import IntentRule


@dataclass(frozen=True)
class RuleHit:
    why: str
    matched: tuple[str, ...]  # the phrases and context keys that made the rule hold


def find_rule_hit(
    rules: Sequence[IntentRule], words: WordIndex, context_keys: frozenset[str]
) -> RuleHit | None:
    """The first rule that holds for the task, with what made it hold."""
    for rule in rules:
        hit = _evaluate(rule, words, context_keys)
        if hit is not None:
            return hit
    return None


def _evaluate(rule: IntentRule, words: WordIndex, context_keys: frozenset[str]) -> RuleHit | None:
    if any(words.has_phrase(stem_words(phrase)) for phrase in rule.unless):
        return None
    matched: list[str] = []
    for group in rule.when:
        found = next((p for p in group if words.has_phrase(stem_words(p))), None)
        if found is None:
            return None
        matched.append(found)
    if rule.context:
        key = next((k for k in rule.context if normalize_key(k) in context_keys), None)
        if key is None:
            return None
        matched.append(f"context.{key}")
    return RuleHit(rule.why, tuple(matched))


def normalize_key(key: str) -> str:
    """`Cloud-Provider`, `cloudProvider` and `cloud_provider` are one key."""
    spaced = "".join(f"_{c}" if c.isupper() else c for c in key).lower()
    return "_".join(part for part in spaced.replace("-", "_").split("_") if part)


def collect_context_keys(context: Mapping[str, Any]) -> frozenset[str]:
    """Keys set to something (not null, false or empty), at any depth."""
    return frozenset(normalize_key(key) for key in _iter_set_keys(context))


def _iter_set_keys(context: Mapping[str, Any]) -> Iterator[str]:
    for key, value in context.items():
        if value in (None, False, "", [], {}):
            continue
        yield str(key)
        if isinstance(value, Mapping):
            yield from _iter_set_keys(value)
