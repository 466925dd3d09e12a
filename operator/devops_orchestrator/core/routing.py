"""Which workers a task needs: explicit `spec.workers`, else keywords of the definitions.

A keyword that several workers declare ("build" is both docker's and ci's) is *shared*:
it only selects workers when no worker matched a keyword of its own, so "Build a
container image" goes to docker-worker alone while "Build the app" goes to both."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from devops_orchestrator.core.text import find_phrase, iter_context_text, stem_words
from devops_orchestrator.models import AgentDefinition, DevOpsTaskSpec

EXPLICIT_REASON = "explicitly requested"


@dataclass(frozen=True)
class WorkerMatch:
    worker: str
    reason: str  # "explicitly requested" or "matched keywords: ..."
    matched: tuple[str, ...] = ()  # keywords as written in the definition


@dataclass(frozen=True)
class RoutingDecision:
    matches: tuple[WorkerMatch, ...] = ()  # selected workers, in definition order
    error: str | None = None  # set when no worker could be selected

    @property
    def workers(self) -> tuple[str, ...]:
        return tuple(match.worker for match in self.matches)


def build_task_words(spec: DevOpsTaskSpec) -> tuple[str, ...]:
    """The stemmed words routing looks at: description, requirements and context.
    Parts are separated by a sentinel so a phrase never spans two of them."""
    parts = [spec.description, *spec.requirements, *iter_context_text(spec.context)]
    words: list[str] = []
    for part in parts:
        words.extend(stem_words(part))
        words.append("\x00")
    return tuple(words)


def route(spec: DevOpsTaskSpec, definitions: Sequence[AgentDefinition]) -> RoutingDecision:
    """Select the workers of a task, with the keywords that selected each one."""
    known = [definition.name for definition in definitions]
    if spec.workers:
        return _route_explicit(spec.workers, known)
    words = build_task_words(spec)
    matched = {definition.name: _matched(definition, words) for definition in definitions}
    shared = _shared_keywords(definitions)
    own = {name: [k for k in keys if _norm(k) not in shared] for name, keys in matched.items()}
    if any(own.values()):
        selected = [name for name in known if own[name]]
    else:
        selected = [name for name in known if matched[name]]
    if not selected:
        return RoutingDecision(error=render_no_match_message(definitions))
    return RoutingDecision(
        matches=tuple(
            WorkerMatch(name, "matched keywords: " + ", ".join(matched[name]), matched[name])
            for name in selected
        )
    )


def _matched(definition: AgentDefinition, words: Sequence[str]) -> tuple[str, ...]:
    """The definition's keywords found in `words`, one per stem ("container" and
    "containerize" are the same word to the task)."""
    found: dict[tuple[str, ...], str] = {}
    for keyword in definition.keywords:
        stems = stem_words(keyword)
        if stems not in found and find_phrase(words, stems):
            found[stems] = keyword
    return tuple(found.values())


def _route_explicit(requested: Sequence[str], known: Sequence[str]) -> RoutingDecision:
    unknown = [name for name in requested if name not in known]
    if unknown:
        return RoutingDecision(
            error=f"unknown worker(s) in spec.workers: {', '.join(unknown)}; "
            f"known workers: {', '.join(known)}"
        )
    unique = [name for name in known if name in requested]
    return RoutingDecision(matches=tuple(WorkerMatch(name, EXPLICIT_REASON) for name in unique))


def _norm(keyword: str) -> tuple[str, ...]:
    return stem_words(keyword)


def _shared_keywords(definitions: Sequence[AgentDefinition]) -> set[tuple[str, ...]]:
    counts = Counter(
        key for definition in definitions for key in {_norm(k) for k in definition.keywords}
    )
    return {key for key, count in counts.items() if count > 1}


def render_no_match_message(definitions: Sequence[AgentDefinition]) -> str:
    """Says that nothing matched, and which words would have, per worker."""
    lines = "; ".join(
        f"{definition.name}: {', '.join(definition.keywords)}" for definition in definitions
    )
    return (
        "No worker matched: none of the routing keywords occurs in the description, "
        "requirements or context. Name the workers in spec.workers, or mention one of "
        f"these keywords: {lines}"
    )
