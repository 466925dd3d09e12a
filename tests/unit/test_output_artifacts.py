"""output.artifacts: path -> text, capped, what is left out listed in issues (pure)."""

from __future__ import annotations

from devops_orchestrator.core.output_artifacts import (
    OutputArtifacts,
    add_output_artifacts,
    artifact_sources,
    build_output_artifacts,
    collect_files,
    parse_artifact_files,
    wants_output_artifacts,
)
from devops_orchestrator.models import Briefing
from devops_orchestrator.worker.artifacts import build_artifacts_configmap


def test_text_files_are_carried_whole() -> None:
    built = build_output_artifacts(
        {"/workspace/Dockerfile": b"FROM node:22\n", "/workspace/ci.yml": "é: ü\n".encode()}
    )
    assert built == OutputArtifacts(
        {"/workspace/Dockerfile": "FROM node:22\n", "/workspace/ci.yml": "é: ü\n"}, []
    )


def test_binary_files_are_left_out_and_named() -> None:
    built = build_output_artifacts(
        {"logo.png": b"\x89PNG\r\n\x1a\n\xff\xfe", "a.txt": b"a"},
        owners={"logo.png": "docker-worker"},
    )
    assert built.files == {"a.txt": "a"}
    assert built.issues == [
        {
            "severity": "warning",
            "message": "logo.png is not in output.artifacts: not UTF-8 text",
            "file": "logo.png",
            "validator": "artifacts",
            "rule": "binary",
            "worker": "docker-worker",
        }
    ]


def test_the_cap_keeps_files_in_order_and_lists_the_rest() -> None:
    files = {"a": b"x" * 40, "big": b"y" * 100, "b": b"z" * 40}
    built = build_output_artifacts(files, max_bytes=100)
    assert list(built.files) == ["a", "b"]  # a later small file still fits
    assert [(i["file"], i["rule"]) for i in built.issues] == [("big", "truncated")]
    assert "100-byte cap" in built.issues[0]["message"]
    assert sum(len(k) + len(v) for k, v in built.files.items()) <= 100


def test_a_zero_cap_carries_nothing() -> None:
    built = build_output_artifacts({"a": b"1"}, max_bytes=0)
    assert built.files == {} and built.issues[0]["file"] == "a"


def test_artifacts_and_their_issues_join_the_result() -> None:
    result = {"status": "completed", "issues": [{"severity": "info", "message": "m"}]}
    artifacts = build_output_artifacts({"a": b"1", "b": b"\xff"})
    merged = add_output_artifacts(result, artifacts)
    assert merged["artifacts"] == {"a": "1"}
    assert [i["message"] for i in merged["issues"]] == [
        "m",
        "b is not in output.artifacts: not UTF-8 text",
    ]
    assert result == {"status": "completed", "issues": [{"severity": "info", "message": "m"}]}


def test_only_tasks_without_a_reachable_workspace_carry_files() -> None:
    assert wants_output_artifacts({"description": "x"})
    assert wants_output_artifacts({"workspace": {}})
    assert not wants_output_artifacts({"workspace": {"volume": {"claimName": "c"}}})
    assert not wants_output_artifacts({"workspace": {"git": {"url": "https://h/r.git"}}})


def test_sources_are_the_configmaps_the_workers_named() -> None:
    result = {
        "details": {
            "docker-worker": {"artifacts_configmap": "t-docker-1-artifacts"},
            "infra-worker": {"git_commit": "abc"},
            "ci-worker": {"artifacts_configmap": "t-ci-1-artifacts"},
        }
    }
    assert artifact_sources(result) == [
        ("docker-worker", "t-docker-1-artifacts"),
        ("ci-worker", "t-ci-1-artifacts"),
    ]
    assert artifact_sources({"details": "garbage"}) == []


def test_an_artifacts_configmap_is_read_back_as_the_worker_wrote_it() -> None:
    files = {"Dockerfile": b"FROM node\n", ".github/workflows/ci.yml": b"on: push\n"}
    files["logo.png"] = b"\x89PNG\xff"
    briefing = Briefing(task_name="t", namespace="ns", worker="docker-worker", description="d")
    body, truncated = build_artifacts_configmap(briefing, files, 10_000)
    assert truncated == []
    assert parse_artifact_files(body["data"], body.get("binaryData")) == files
    assert parse_artifact_files({"files.json": "{bad", "a": "1"}, None) == {"a": b"1"}


def test_files_are_named_for_the_network_and_the_later_worker_wins() -> None:
    by_worker = {
        "docker-worker": {"Dockerfile": b"1", ".dockerignore": b"2"},
        "ci-worker": {"Dockerfile": b"3", "ci.yml": b"4"},
    }
    files, owners = collect_files(by_worker, {"workspace": "/workspace/app"})
    assert files == {
        "/workspace/app/.dockerignore": b"2",
        "/workspace/app/Dockerfile": b"3",
        "/workspace/app/ci.yml": b"4",
    }
    assert owners["/workspace/app/Dockerfile"] == "ci-worker"
    relative, _ = collect_files(by_worker, {})
    assert set(relative) == {"Dockerfile", ".dockerignore", "ci.yml"}
