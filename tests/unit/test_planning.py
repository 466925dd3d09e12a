"""Planning: stages from the definitions' `after`, per strategy."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from core_fixtures import make_definitions

from devops_orchestrator.core.briefing import build_briefing, build_prompt
from devops_orchestrator.core.decide import decide
from devops_orchestrator.core.decision import Observation
from devops_orchestrator.core.planning import PlanError, build_plan, prerequisites
from devops_orchestrator.core.routing import RoutingDecision, WorkerMatch, route
from devops_orchestrator.core.status import parse_plan, render_plan, render_plan_summary
from devops_orchestrator.definitions import load_definitions
from devops_orchestrator.models import (
    AgentDefinition,
    DevOpsTaskSpec,
    Strategy,
    TokenUsage,
    WorkerResult,
)

D, C, I = "docker-worker", "ci-worker", "infra-worker"  # noqa: E741


@pytest.mark.parametrize(
    ("workers", "strategy", "stages"),
    [
        ([C, I, D], Strategy.AUTO, ((D,), (I,), (C,))),
        ([C, D], Strategy.AUTO, ((D,), (C,))),
        ([I, C], Strategy.AUTO, ((I,), (C,))),
        ([D], Strategy.AUTO, ((D,),)),
        ([C, I, D], Strategy.PARALLEL, ((C, I, D),)),
        ([C, I, D], Strategy.SEQUENTIAL, ((D,), (I,), (C,))),
        ([C, C, D], Strategy.AUTO, ((D,), (C,))),
    ],
)
def test_stages(
    workers: list[str], strategy: Strategy, stages: tuple[tuple[str, ...], ...]
) -> None:
    assert build_plan(workers, make_definitions(), strategy).stages == stages


def test_shipped_definitions_order_docker_infra_ci() -> None:
    assert build_plan([C, I, D], load_definitions()).stages == ((D,), (I,), (C,))


def test_same_layer_runs_in_parallel() -> None:
    defs = (
        AgentDefinition(name="a", description="a"),
        AgentDefinition(name="b", description="b"),
        AgentDefinition(name="c", description="c", after=["a", "b"]),
    )
    plan = build_plan(["c", "b", "a"], defs)
    assert plan.stages == (("b", "a"), ("c",))
    assert set(prerequisites("c", plan)) == {"a", "b"}


def test_prerequisites_are_transitive_and_limited_to_the_plan() -> None:
    plan = build_plan([C, I, D], make_definitions())
    assert set(prerequisites(C, plan)) == {D, I}
    assert prerequisites(I, plan) == (D,)
    assert prerequisites(C, build_plan([C, I], make_definitions())) == (I,)
    assert prerequisites(C, build_plan([C, I, D], make_definitions(), Strategy.PARALLEL)) == ()


def test_cycle_is_an_error() -> None:
    defs = (
        AgentDefinition(name="a", description="a", after=["b"]),
        AgentDefinition(name="b", description="b", after=["a"]),
    )
    with pytest.raises(PlanError, match="cycle"):
        build_plan(["a", "b"], defs)


def test_unknown_worker_is_an_error() -> None:
    with pytest.raises(PlanError, match="gpu-worker"):
        build_plan(["gpu-worker"], make_definitions())


SPEC = DevOpsTaskSpec(
    description="Set up complete deployment pipeline",
    requirements=["Non-root user"],
    context={"cloud_provider": "aws"},
)


def test_prompt_carries_task_and_earlier_stages() -> None:
    docker = WorkerResult(
        files_created=["Dockerfile", ".dockerignore"],
        summary="Multi-stage Dockerfile",
        docker_config={"image": "ghcr.io/org/app:1.0", "content": "x" * 100_000},
    )
    prompt = build_prompt(SPEC, C, {D: docker})
    assert "Set up complete deployment pipeline" in prompt
    assert "- Non-root user" in prompt
    assert '"cloud_provider": "aws"' in prompt
    assert "Dockerfile, .dockerignore" in prompt
    assert "ghcr.io/org/app:1.0" in prompt
    briefing = build_briefing(
        spec=SPEC, task_name="t", task_uid="u", namespace="ns", worker=C, attempt=2,
        job_name="t-ci-2", result_configmap="t-ci-2-result", previous_results={D: docker},
        definitions=load_definitions(),
    )  # fmt: skip
    assert briefing.prompt == prompt
    assert briefing.attempt == 2 and briefing.result_configmap == "t-ci-2-result"
    # large worker-specific fields stay out of the briefing (it rides in the worker's Job)
    assert "docker_config" not in (briefing.previous_results[D].model_extra or {})
    assert len(briefing.model_dump_json()) < 10_000


def test_first_stage_prompt_has_no_earlier_work() -> None:
    assert "Earlier stages" not in build_prompt(SPEC, D, {})


def test_only_the_fields_a_definition_declares_downstream_are_passed_on() -> None:
    docker = WorkerResult(
        summary="image built",
        docker_config={"image": "ghcr.io/org/app:1.0"},
        security_notes=["runs as 10001"],  # docker's own, but not declared downstream
        ci_pipeline={"file": "x"},  # declared by ci-worker, not by docker-worker
    )
    briefing = build_briefing(
        spec=SPEC, task_name="t", task_uid="u", namespace="ns", worker=I, attempt=1,
        job_name="t-infra-1", result_configmap="r", previous_results={D: docker},
        definitions=load_definitions(), brief="Kubernetes manifests for the image",
    )  # fmt: skip
    assert briefing.previous_results[D].model_extra == {
        "docker_config": {"image": "ghcr.io/org/app:1.0"}
    }
    assert briefing.prompt.splitlines()[2] == "Your part: Kubernetes manifests for the image"


def test_the_stored_plan_keeps_planner_reasons_and_briefs() -> None:
    spec = DevOpsTaskSpec(description="Dockerize the app and deploy it to Kubernetes")
    definitions = load_definitions()
    routing = route(spec, definitions)
    plan = build_plan(routing.workers, definitions, Strategy.AUTO, routing.briefs)
    stored = render_plan(plan, routing)
    assert stored["planner"] == "deterministic"
    assert stored["stages"] == [[D], [I]]
    assert stored["workers"][I]["reason"].startswith("matched keywords: kubernetes; rule: ")
    assert stored["workers"][I]["brief"].startswith("Writes the infrastructure")
    assert stored["workers"][I]["after"] == [D]
    assert "note" not in stored and "usage" not in stored
    assert parse_plan(stored) == plan


T0 = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)


def _observe(spec: DevOpsTaskSpec, status: dict[str, Any] | None = None) -> Observation:
    return Observation(
        name="task", namespace="ns", uid="uid-1", generation=1, spec=spec,
        status=status or {}, created_at=T0, retry_token=None, jobs=(), results={},
        definitions=load_definitions(), now=T0,
    )  # fmt: skip


def test_only_the_pass_that_chooses_the_workers_asks_and_it_takes_the_answer() -> None:
    spec = DevOpsTaskSpec(description="Containerize the app and ship it")
    first = decide(_observe(spec))
    assert first.routed and first.status["plan"]["planner"] == "deterministic"
    claude = RoutingDecision(
        matches=(WorkerMatch(D, "model: needs an image", (), "Write the Dockerfile"),),
        planner="claude",
        model="claude-haiku-4-5",
        usage=TokenUsage(input_tokens=310, output_tokens=42, cost_usd=0.00052),
    )
    decision = decide(replace(_observe(spec), routing=claude))
    plan = decision.status["plan"]
    assert (plan["planner"], plan["model"], plan["stages"]) == ("claude", "claude-haiku-4-5", [[D]])
    assert plan["usage"] == {"input_tokens": 310, "output_tokens": 42, "cost_usd": 0.00052}
    assert plan["workers"][D]["reason"] == "model: needs an image"
    (job,) = decision.create
    assert "Your part: Write the Dockerfile" in job.briefing.prompt
    planned = next(c for c in decision.status["conditions"] if c["type"] == "Planned")
    assert planned["message"] == (
        "Planned [docker-worker] by the claude planner: docker-worker: model: needs an image"
    )
    again = decide(replace(_observe(spec, decision.status), now=T0 + timedelta(seconds=5)))
    assert not again.routed  # the plan is stored: no second model call
    for status in (decision.status, again.status):  # the planner's call counts like a worker's
        assert (status["usage"]["inputTokens"], status["usage"]["outputTokens"]) == (310, 42)
        assert status["usage"]["costUSD"] == 0.00052


def test_no_match_after_a_fallback_says_why_and_is_not_asked_again() -> None:
    spec = DevOpsTaskSpec(description="Write a haiku about autumn leaves")
    fallback = replace(
        route(spec, load_definitions()),
        note="the claude planner failed (the API answered 529); deterministic plan used",
    )
    decision = decide(replace(_observe(spec), routing=fallback))
    assert decision.routed and decision.status["phase"] == "Failed"
    assert decision.status["message"].startswith("No worker matched")
    assert decision.status["message"].endswith(
        "(the claude planner failed (the API answered 529); deterministic plan used)"
    )
    assert not decide(_observe(spec, decision.status)).routed


@pytest.mark.parametrize(
    ("stored", "summary"),
    [
        (
            {"planner": "deterministic", "stages": [[D], [I], [C]], "workers": {}},
            ("docker-worker→infra-worker→ci-worker", "deterministic"),
        ),
        (
            {"planner": "deterministic", "note": "x", "stages": [[D, C]], "workers": {}},
            ("docker-worker+ci-worker", "deterministic*"),
        ),
        ({"stages": [[D]], "workers": {}}, ("docker-worker", "-")),  # stored before planners
        (None, ("-", "-")),
        ({"stages": "garbage"}, ("-", "-")),
    ],
)
def test_the_plan_in_one_line_for_listings(stored: Any, summary: tuple[str, str]) -> None:
    assert render_plan_summary(stored) == summary
