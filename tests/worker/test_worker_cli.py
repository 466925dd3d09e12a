"""`devopsctl worker run`: the same code path on a local folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from workerkit import APPS

from devops_orchestrator.cli.worker_cmd import worker_group


def test_run_prints_json(tmp_path: Path) -> None:
    shutil.copytree(APPS / "java-spring", tmp_path / "app")
    result = CliRunner().invoke(
        worker_group,
        [
            "run",
            "ci-worker",
            "--workspace",
            str(tmp_path / "app"),
            "--description",
            "Set up a pipeline",
            "--requirement",
            "Use GitLab CI",
            "--context-json",
            '{"registry": "registry.gitlab.com/acme"}',
            "--engine",
            "generator",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["files_created"] == [".gitlab-ci.yml"]
    assert data["ci_pipeline"]["image"] == "registry.gitlab.com/acme/inventory"


def test_run_prints_text(tmp_path: Path) -> None:
    shutil.copytree(APPS / "python-fastapi", tmp_path / "app")
    result = CliRunner().invoke(
        worker_group,
        [
            "run",
            "docker-worker",
            "--workspace",
            str(tmp_path / "app"),
            "--description",
            "Containerize",
            "--engine",
            "generator",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("docker-worker (generator): Containerized")
    assert "  created  Dockerfile" in result.output


def test_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["run", "docker-worker", "--workspace", str(tmp_path), "--description", "x"]
    assert runner.invoke(worker_group, [*base, "--context-json", "[1]"]).exit_code == 2
    assert runner.invoke(worker_group, [*base, "--context-json", "{"]).exit_code == 2
    unknown = runner.invoke(
        worker_group, ["run", "gpu-worker", "--workspace", str(tmp_path), "--description", "x"]
    )
    assert unknown.exit_code == 2 and "unknown worker 'gpu-worker'" in unknown.output
    failed = runner.invoke(worker_group, [*base, "--engine", "generator"])  # empty folder
    assert failed.exit_code == 1 and "could not recognise the application" in failed.output
