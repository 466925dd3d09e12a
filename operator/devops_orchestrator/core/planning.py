"""The order of a task's workers: stages that run one after another, the workers of one
stage in parallel. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from devops_orchestrator.models import AgentDefinition, Strategy


class PlanError(ValueError):
    """The definitions cannot be ordered: an unknown worker or a cycle of `after`."""


@dataclass(frozen=True)
class Plan:
    stages: tuple[tuple[str, ...], ...]
    # For each worker, the planned workers it needs (transitively): if one of them fails,
    # the worker is skipped. Empty for every worker under the `parallel` strategy.
    requires: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # For each worker, the planner's one line on its part, put in its prompt.
    briefs: Mapping[str, str] = field(default_factory=dict)

    @property
    def workers(self) -> tuple[str, ...]:
        return tuple(worker for stage in self.stages for worker in stage)

    def stage_of(self, worker: str) -> int:
        for index, stage in enumerate(self.stages):
            if worker in stage:
                return index
        raise KeyError(worker)


def build_plan(
    workers: Sequence[str],
    definitions: Sequence[AgentDefinition],
    strategy: Strategy = Strategy.AUTO,
    briefs: Mapping[str, str] | None = None,
) -> Plan:
    """Stages for `workers`. `auto`: layers of the `after` graph (a worker runs after the
    planned workers it names); `parallel`: one stage; `sequential`: one worker per stage
    in auto's order. Raises PlanError on an unknown worker or a cycle."""
    briefs = {w: b for w, b in (briefs or {}).items() if w in workers and b}
    by_name = {definition.name: definition for definition in definitions}
    unknown = [worker for worker in workers if worker not in by_name]
    if unknown:
        raise PlanError(
            f"no definition for worker(s) {', '.join(unknown)}; known: {', '.join(by_name)}"
        )
    planned = list(dict.fromkeys(workers))
    edges = {w: tuple(a for a in by_name[w].after if a in planned) for w in planned}
    layers = _layers(planned, edges)
    if strategy == Strategy.PARALLEL:
        return Plan(stages=(tuple(planned),), requires={w: () for w in planned}, briefs=briefs)
    requires = {w: _closure(w, edges) for w in planned}
    if strategy == Strategy.SEQUENTIAL:
        stages = tuple((w,) for layer in layers for w in layer)
        return Plan(stages=stages, requires=requires, briefs=briefs)
    return Plan(stages=layers, requires=requires, briefs=briefs)


def _layers(
    planned: Sequence[str], edges: Mapping[str, tuple[str, ...]]
) -> tuple[tuple[str, ...], ...]:
    """Kahn's algorithm by layers; within a layer the order of `planned` is kept."""
    done: set[str] = set()
    layers: list[tuple[str, ...]] = []
    while len(done) < len(planned):
        layer = tuple(w for w in planned if w not in done and set(edges[w]) <= done)
        if not layer:
            stuck = [w for w in planned if w not in done]
            raise PlanError(f"cycle in the workers' 'after' declarations among: {', '.join(stuck)}")
        layers.append(layer)
        done.update(layer)
    return tuple(layers)


def _closure(worker: str, edges: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    seen: list[str] = []
    todo = list(edges[worker])
    while todo:
        current = todo.pop(0)
        if current not in seen:
            seen.append(current)
            todo.extend(edges[current])
    return tuple(seen)


def prerequisites(worker: str, plan: Plan) -> tuple[str, ...]:
    """The planned workers `worker` depends on; one of them failing skips it."""
    return tuple(plan.requires.get(worker, ()))
