"""Aggregation of the workers' results into the protocol's result object."""

from __future__ import annotations

from core_fixtures import make_definitions

from devops_orchestrator.core.aggregate import aggregate
from devops_orchestrator.core.planning import build_plan
from devops_orchestrator.models import Issue, Severity, WorkerResult

D, C, I = "docker-worker", "ci-worker", "infra-worker"  # noqa: E741
PLAN = build_plan([D, I, C], make_definitions())

DOCKER = WorkerResult.model_validate(
    {
        "files_created": ["Dockerfile", ".dockerignore"],
        "files_modified": [],
        "summary": "Containerized the app",
        "issues": [{"severity": "warning", "message": "pin the base image", "rule": "DL3007"}],
        "docker_config": {"image": "ghcr.io/org/app:latest"},
        "security_notes": ["non-root"],
    }
)
CI = WorkerResult.model_validate(
    {
        "files_created": [".github/workflows/ci.yml", "Dockerfile"],
        "summary": "CI pipeline",
        "ci_pipeline": ".github/workflows/ci.yml",
    }
)
INFRA = WorkerResult.model_validate(
    {
        "files_created": ["k8s/deployment.yaml"],
        "files_modified": ["Dockerfile"],
        "summary": "Kubernetes manifests",
        "deployment_info": {"deploy_target": "kubernetes"},
    }
)


def test_all_succeeded() -> None:
    result = aggregate(PLAN, {C: CI, D: DOCKER, I: INFRA}, {})
    assert result.status == "completed"
    assert result.workers_used == [D, I, C]
    assert result.files_created == [
        "Dockerfile", ".dockerignore", "k8s/deployment.yaml", ".github/workflows/ci.yml",
    ]  # fmt: skip
    assert result.files_modified == ["Dockerfile"]
    assert result.deployment_info == {
        "image": "ghcr.io/org/app:latest",
        "ci_pipeline": ".github/workflows/ci.yml",
        "deploy_target": "kubernetes",
    }
    assert result.issues == [
        {"severity": "warning", "message": "pin the base image", "rule": "DL3007", "worker": D}
    ]
    assert result.details[D]["security_notes"] == ["non-root"]  # carried through untouched
    assert result.details[D]["docker_config"] == {"image": "ghcr.io/org/app:latest"}
    assert result.summary.startswith("3/3 workers succeeded")


def test_partial_names_failed_and_skipped() -> None:
    result = aggregate(PLAN, {D: DOCKER}, {I: "attempt 2: terraform crashed"}, {C: "prereq"})
    assert result.status == "partial"
    assert result.workers_used == [D, I]
    errors = [i for i in result.issues if i["severity"] == Severity.ERROR.value]
    assert errors == [{"severity": "error", "message": "attempt 2: terraform crashed", "worker": I}]
    assert any(i["worker"] == C and "skipped" in i["message"] for i in result.issues)
    assert "infra-worker failed" in result.summary and "ci-worker skipped" in result.summary


def test_all_failed() -> None:
    result = aggregate(PLAN, {}, {D: "boom"}, {I: "prereq", C: "prereq"})
    assert result.status == "failed"
    assert result.files_created == [] and result.details == {}


def test_issue_objects_are_tagged_not_mutated() -> None:
    issue = Issue(severity=Severity.ERROR, message="bad")
    result = aggregate(PLAN, {D: WorkerResult(issues=[issue])}, {})
    assert result.issues[0]["worker"] == D and issue.worker is None
