"""Which workers a task needs: explicit `spec.workers`, else the deterministic planner:
the keywords and intent rules of the definitions.

A keyword that several workers declare ("build" is both docker's and ci's) is *shared*:
it only selects workers when no worker matched a keyword or rule of its own, so "Build a
container image" goes to docker-worker alone while "Build the app" goes to both. An
intent rule ("a complete deployment pipeline needs the image and the target") selects
its worker whatever the keywords say."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from devops_orchestrator.core.intents import RuleHit, collect_context_keys, find_rule_hit
from devops_orchestrator.core.text import WordIndex, iter_context_text, stem_words
from devops_orchestrator.models import AgentDefinition, DevOpsTaskSpec, TokenUsage

EXPLICIT_REASON = "explicitly requested"
PLANNER_EXPLICIT = "explicit"
PLANNER_DETERMINISTIC = "deterministic"


@dataclass(frozen=True)
class WorkerMatch:
    worker: str
    reason: str  # "explicitly requested", "matched keywords: ...", "rule: ..."
    matched: tuple[str, ...] = ()  # keywords and rule phrases as written in the definition
    brief: str = ""  # what the worker is asked to do, in one line


@dataclass(frozen=True)
class RoutingDecision:
    matches: tuple[WorkerMatch, ...] = ()  # selected workers, in definition order
    error: str | None = None  # set when no worker could be selected
    planner: str = PLANNER_DETERMINISTIC  # who chose: explicit, deterministic, claude
    note: str = ""  # e.g. why the claude planner fell back to the deterministic one
    model: str = ""  # the model that planned, when one did (or was tried)
    usage: TokenUsage | None = None  # what the planning call cost, when one was made

    @property
    def workers(self) -> tuple[str, ...]:
        return tuple(match.worker for match in self.matches)

    @property
    def briefs(self) -> dict[str, str]:
        return {match.worker: match.brief for match in self.matches}


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
    """Select the workers of a task, with the keywords or rule that selected each one."""
    known = [definition.name for definition in definitions]
    if spec.workers:
        return _route_explicit(spec.workers, definitions)
    words = WordIndex(build_task_words(spec))
    context_keys = collect_context_keys(spec.context)
    matched = {definition.name: _matched(definition, words) for definition in definitions}
    hits = {d.name: find_rule_hit(d.rules, words, context_keys) for d in definitions}
    shared = _shared_keywords(definitions)
    own = {name: [k for k in keys if _norm(k) not in shared] for name, keys in matched.items()}
    if any(own.values()) or any(hits.values()):
        selected = [name for name in known if own[name] or hits[name]]
    else:
        selected = [name for name in known if matched[name]]
    if not selected:
        return RoutingDecision(error=render_no_match_message(definitions))
    by_name = {definition.name: definition for definition in definitions}
    return RoutingDecision(
        matches=tuple(_build_match(by_name[name], matched[name], hits[name]) for name in selected)
    )


def _build_match(
    definition: AgentDefinition, keywords: tuple[str, ...], hit: RuleHit | None
) -> WorkerMatch:
    reasons = ["matched keywords: " + ", ".join(keywords)] if keywords else []
    if hit is not None:
        reasons.append(f"rule: {hit.why} ({', '.join(hit.matched)})")
    matched = tuple(dict.fromkeys([*keywords, *(hit.matched if hit else ())]))
    return WorkerMatch(definition.name, "; ".join(reasons), matched, definition.description)


def _matched(definition: AgentDefinition, words: WordIndex) -> tuple[str, ...]:
    """The definition's keywords found in `words`, one per stem ("container" and
    "containerize" are the same word to the task)."""
    found: dict[tuple[str, ...], str] = {}
    for keyword in definition.keywords:
        stems = stem_words(keyword)
        if stems not in found and words.has_phrase(stems):
            found[stems] = keyword
    return tuple(found.values())


def _route_explicit(
    requested: Sequence[str], definitions: Sequence[AgentDefinition]
) -> RoutingDecision:
    known = [definition.name for definition in definitions]
    unknown = [name for name in requested if name not in known]
    if unknown:
        return RoutingDecision(
            error=f"unknown worker(s) in spec.workers: {', '.join(unknown)}; "
            f"known workers: {', '.join(known)}",
            planner=PLANNER_EXPLICIT,
        )
    return RoutingDecision(
        matches=tuple(
            WorkerMatch(d.name, EXPLICIT_REASON, brief=d.description)
            for d in definitions
            if d.name in requested
        ),
        planner=PLANNER_EXPLICIT,
    )


def _norm(keyword: str) -> tuple[str, ...]:
    return stem_words(keyword)


def _shared_keywords(definitions: Sequence[AgentDefinition]) -> set[tuple[str, ...]]:
    counts = Counter(
        key for definition in definitions for key in {_norm(k) for k in definition.keywords}
    )
    return {key for key, count in counts.items() if count > 1}


def render_no_match_message(definitions: Sequence[AgentDefinition]) -> str:
    """Says that nothing matched, and what would have, per worker: its keywords and the
    intents its rules stand for."""
    lines = "; ".join(_render_would_match(definition) for definition in definitions)
    return (
        "No worker matched: none of the routing keywords or intent rules applies to the "
        "description, requirements or context. Name the workers in spec.workers, or mention "
        f"one of these: {lines}"
    )


def _render_would_match(definition: AgentDefinition) -> str:
    text = f"{definition.name}: {', '.join(definition.keywords)}"
    if definition.rules:
        text += " (or: " + "; ".join(rule.why for rule in definition.rules) + ")"
    return text
