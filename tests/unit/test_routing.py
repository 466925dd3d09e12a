"""Routing: which workers a task's words select."""

from __future__ import annotations

from typing import Any

import pytest
from core_fixtures import make_definitions

from devops_orchestrator.core.routing import EXPLICIT_REASON, route
from devops_orchestrator.core.text import stem, stem_words
from devops_orchestrator.definitions import load_definitions
from devops_orchestrator.models import AgentDefinition, DevOpsTaskSpec

D, C, I = "docker-worker", "ci-worker", "infra-worker"  # noqa: E741

# (description, requirements, context, expected workers as a set)
CASES: list[tuple[str, list[str], dict[str, Any], set[str]]] = [
    ("Create a production Dockerfile for this Node.js app", [], {}, {D}),
    ("Set up a complete deployment pipeline", [], {}, {C}),
    ("Set up complete deployment pipeline for the application", [], {}, {C}),
    ("Kubernetes deployment with CI/CD", [], {}, {C, I}),
    ("Containerized app", [], {}, {D}),
    ("Put the service into containers", [], {}, {D}),
    ("Build and push images to the registry", [], {}, {D}),
    ("Write a docker-compose file for local development", [], {}, {D}),
    ("Write a docker compose file for local development", [], {}, {D}),
    ("Persist data with named volumes", [], {}, {D}),
    ("Add GitHub Actions for the repo", [], {}, {C}),
    ("Migrate the pipelines from Jenkins to GitLab", [], {}, {C}),
    ("Make sure every commit is tested", [], {}, {C}),
    ("Automate deployments on merge", [], {}, {C}),
    ("Deploying nightly", [], {}, {C}),
    ("Add a release workflow", [], {}, {C}),
    ("Provision the infrastructure with Terraform", [], {}, {I}),
    ("Run it on AWS", [], {}, {I}),
    ("Move to GCP or Azure", [], {}, {I}),
    ("Create k8s manifests", [], {}, {I}),
    ("Servers must be scaled automatically", [], {}, {I}),
    ("Cloud setup", [], {}, {I}),
    ("Build the app", [], {}, {D, C}),  # "build" is shared: only shared words matched
    ("Build a container image", [], {}, {D}),  # docker's own words win over shared "build"
    ("Build and test the app", [], {}, {C}),
    ("Do the thing", ["Multi-stage Docker build"], {}, {D, C}),
    ("Prepare the project", [], {"cloud_provider": "aws"}, {I}),
    (
        "Set up complete deployment pipeline for the application",
        ["Containerize the app with a multi-stage Docker build", "Deploy to Kubernetes"],
        {"cloud_provider": "aws", "workspace": "/workspace"},
        {D, C, I},
    ),
    ("Write circle config for a specific abcd", [], {}, set()),  # no "ci", no "cd"
    ("Prepare the project", [], {"workspace": "/workspace", "project_type": "nodejs"}, set()),
    ("Prepare the project", [], {"repo": "https://gitlab.com/org/app"}, set()),  # a URL
    ("Prepare the project", [], {"kubernetes": False}, set()),  # unset key
    ("CI", [], {}, {C}),
    ("Set up CD", [], {}, {C}),
    ("Scaling", [], {}, {I}),
    ("Terraform the network", [], {}, {D, I}),
]


@pytest.mark.parametrize(("description", "requirements", "context", "expected"), CASES)
def test_route_table(
    description: str, requirements: list[str], context: dict[str, Any], expected: set[str]
) -> None:
    spec = DevOpsTaskSpec(description=description, requirements=requirements, context=context)
    decision = route(spec, make_definitions())
    assert set(decision.workers) == expected
    if expected:
        assert decision.error is None
        assert all(match.matched for match in decision.matches)
    else:
        assert decision.error is not None


EXAMPLE_PHRASES = [
    ("Create a production Dockerfile for this Node.js app", {D}),
    ("Set up a complete deployment pipeline", {C}),
    ("Kubernetes deployment with CI/CD", {C, I}),
    ("Dockerize the app", {D}),  # the shipped docker-worker also lists "docker"
]


@pytest.mark.parametrize(("description", "expected"), EXAMPLE_PHRASES)
def test_route_with_the_shipped_definitions(description: str, expected: set[str]) -> None:
    decision = route(DevOpsTaskSpec(description=description), load_definitions())
    assert set(decision.workers) == expected


def test_matched_words_explain_the_choice() -> None:
    spec = DevOpsTaskSpec(description="Kubernetes deployment with CI/CD")
    matches = {m.worker: m for m in route(spec, make_definitions()).matches}
    assert matches[C].matched == ("ci", "cd", "deploy")
    assert matches[I].matched == ("kubernetes",)
    assert matches[I].reason == "matched keywords: kubernetes"


def test_no_match_says_so_and_lists_keywords() -> None:
    decision = route(DevOpsTaskSpec(description="Write a poem"), make_definitions())
    assert decision.workers == ()
    assert decision.error is not None
    assert decision.error.startswith("No worker matched")
    assert "infra-worker: infrastructure, terraform" in decision.error
    assert "spec.workers" in decision.error


def test_explicit_workers_win() -> None:
    spec = DevOpsTaskSpec(description="Create a Dockerfile", workers=[I, C])
    decision = route(spec, make_definitions())
    assert set(decision.workers) == {C, I}
    assert all(m.reason == EXPLICIT_REASON for m in decision.matches)


def test_explicit_unknown_worker_is_an_error() -> None:
    spec = DevOpsTaskSpec(description="x", workers=["gpu-worker"])
    decision = route(spec, make_definitions())
    assert decision.error is not None and "gpu-worker" in decision.error


def test_phrase_does_not_span_parts() -> None:
    defs = (AgentDefinition(name="w", description="w", keywords=["github actions"]),)
    spec = DevOpsTaskSpec(description="Use GitHub", requirements=["Actions matter"])
    assert route(spec, defs).workers == ()


@pytest.mark.parametrize(
    ("words", "same"),
    [
        ("containerized containers containerize container", True),
        ("deployments deploying deployed deploy", True),
        ("pipelines pipeline", True),
        ("images image", True),
        ("builds built building build", True),
        ("tested tests testing test", True),
        ("scaled scaling scale", True),
    ],
)
def test_stemming_inflections(words: str, same: bool) -> None:
    assert (len(set(stem_words(words))) == 1) is same


def test_short_words_are_not_stemmed() -> None:
    assert [stem(w) for w in ("aws", "k8s", "ci", "cd", "gcp")] == ["aws", "k8s", "ci", "cd", "gcp"]
    assert stem_words("ci/cd docker-compose") == ("ci", "cd", "docker", "compos")
