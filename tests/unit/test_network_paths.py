"""files_created/files_modified as the network names them (pure)."""

from __future__ import annotations

from typing import Any

from devops_orchestrator.core.network_paths import name_result_files

RESULT: dict[str, Any] = {
    "status": "completed",
    "files_created": ["Dockerfile", ".github/workflows/ci.yml"],
    "files_modified": ["package.json"],
    "summary": "done",
    "issues": [{"severity": "warning", "message": "m", "file": "Dockerfile"}],
    "details": {
        "docker-worker": {"files_created": ["Dockerfile"], "docker_config": {"image": "app"}},
        "ci-worker": {"files_created": [".github/workflows/ci.yml"], "files_modified": []},
    },
}


def test_files_are_named_under_the_tasks_workspace() -> None:
    named = name_result_files(RESULT, {"workspace": "/workspace/app/"})
    assert named["files_created"] == [
        "/workspace/app/Dockerfile",
        "/workspace/app/.github/workflows/ci.yml",
    ]
    assert named["files_modified"] == ["/workspace/app/package.json"]
    assert named["details"]["docker-worker"] == {
        "files_created": ["/workspace/app/Dockerfile"],
        "docker_config": {"image": "app"},  # worker-specific fields untouched
    }
    assert named["details"]["ci-worker"]["files_created"] == [
        "/workspace/app/.github/workflows/ci.yml"
    ]
    assert named["issues"] == RESULT["issues"]
    assert RESULT["files_created"][0] == "Dockerfile"  # not mutated


def test_naming_twice_changes_nothing() -> None:
    context = {"workspace": "/workspace"}
    once = name_result_files(RESULT, context)
    assert name_result_files(once, context) == once
    assert once["files_created"][0] == "/workspace/Dockerfile"  # the network's own example


def test_without_a_workspace_names_stay_relative() -> None:
    assert name_result_files(RESULT, {"project_type": "nodejs"}) == RESULT


def test_an_unusable_workspace_keeps_relative_names() -> None:
    for bad in ("relative/path", "/a/../b", 12):
        assert name_result_files(RESULT, {"workspace": bad}) == RESULT
