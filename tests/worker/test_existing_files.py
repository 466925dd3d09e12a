"""Existing files are never overwritten silently."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from workerkit import make_briefing

from devops_orchestrator.models import Severity
from devops_orchestrator.worker.runner import run_worker


def test_a_users_file_is_left_alone_and_reported(copy_app: Callable[[str], Path]) -> None:
    workspace = copy_app("go-nethttp")
    mine = 'FROM golang:1.23\nCMD ["go", "run", "."]\n'
    (workspace / "Dockerfile").write_text(mine)
    result = run_worker(make_briefing("docker-worker"), workspace)
    assert (workspace / "Dockerfile").read_text() == mine
    assert "Dockerfile" not in result.files_created + result.files_modified
    skipped = [i for i in result.issues if i.rule == "existing-file"]
    assert [(i.file, i.severity) for i in skipped] == [("Dockerfile", Severity.WARNING)]
    assert (result.model_extra or {})["files_skipped"] == ["Dockerfile"]


def test_own_files_are_regenerated_and_reported_as_modified(
    copy_app: Callable[[str], Path],
) -> None:
    workspace = copy_app("python-fastapi")
    first = run_worker(make_briefing("docker-worker"), workspace)
    assert "Dockerfile" in first.files_created

    again = run_worker(make_briefing("docker-worker"), workspace)
    assert again.files_created == again.files_modified == []  # same content: no change

    dockerfile = workspace / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("EXPOSE 8181", "EXPOSE 1"))
    third = run_worker(make_briefing("docker-worker"), workspace)
    assert third.files_modified == ["Dockerfile"]
    assert "EXPOSE 8181" in dockerfile.read_text()

    # Removing the header line takes ownership: the generator no longer touches it.
    lines = dockerfile.read_text().splitlines(keepends=True)
    dockerfile.write_text(
        "".join(line for line in lines if "devops-orchestrator" not in line).replace(
            "EXPOSE 8181", "EXPOSE 2"
        )
    )
    fourth = run_worker(make_briefing("docker-worker"), workspace)
    assert "EXPOSE 2" in dockerfile.read_text()
    assert fourth.files_modified == []
    assert any(i.rule == "existing-file" and i.file == "Dockerfile" for i in fourth.issues)
