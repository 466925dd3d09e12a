"""Comparing facts across artifacts: the first kind of artifact (in `ORDER`) that states
a fact is the reference; every later artifact that states it differently is an issue
naming both places."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from devops_orchestrator.models import Issue, Severity
from devops_orchestrator.worker.validators.consistency.facts import (
    COMMAND,
    HEALTH,
    IMAGE,
    KINDS,
    Fact,
    normal_path,
    same_image,
)

NAME = "consistency"
ORDER = ("dockerfile", "compose", "kubernetes", "terraform", "ci")
_EQUAL: dict[str, Callable[[str, str], bool]] = {
    HEALTH: lambda a, b: normal_path(a) == normal_path(b),
    IMAGE: same_image,
}
# A different command in a manifest may be a deliberate override; a different port,
# health path or image is a broken deployment.
_SEVERITY = {COMMAND: Severity.WARNING}


def compare_facts(
    facts_by_artifact: dict[str, list[Fact]], changed: Collection[str] | None = None
) -> list[Issue]:
    """`facts_by_artifact` maps an artifact kind of `ORDER` to its facts. With `changed`,
    only mismatches that involve one of those files are reported."""
    issues: list[Issue] = []
    for kind in KINDS:
        reference: list[Fact] = []
        for artifact in ORDER:
            facts = [f for f in facts_by_artifact.get(artifact, []) if f.kind == kind]
            if not facts:
                continue
            if not reference:
                reference = facts
                continue
            for file in dict.fromkeys(f.file for f in facts):
                own = [f for f in facts if f.file == file]
                if not _agrees(kind, own, reference):
                    issue = _issue(kind, own, reference)
                    involved = {file, *(f.file for f in reference)}
                    if changed is None or involved & set(changed):
                        issues.append(issue)
    return issues


def _agrees(kind: str, own: Sequence[Fact], reference: Sequence[Fact]) -> bool:
    """Any shared value: several EXPOSEd ports or probes may each be right."""
    equal = _EQUAL.get(kind, str.__eq__)
    return any(equal(a.value, b.value) for a in own for b in reference)


def _issue(kind: str, own: Sequence[Fact], reference: Sequence[Fact]) -> Issue:
    first, expected = own[0], reference[0]
    theirs = ", ".join(dict.fromkeys(f"{f.value} ({f.what}, {f.where})" for f in reference))
    return Issue(
        severity=_SEVERITY.get(kind, Severity.ERROR),
        validator=NAME,
        rule=kind.replace(" ", "-"),
        file=first.file,
        line=first.line,
        message=f"{kind} mismatch: {first.where} has {first.value} ({first.what}) but {theirs}",
        related_file=expected.file,
        related_line=expected.line,
    )
