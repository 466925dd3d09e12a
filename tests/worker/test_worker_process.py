"""`python -m devops_orchestrator.worker` end to end, standalone (no cluster)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from workerkit import APPS, make_briefing

from devops_orchestrator.models import EngineName


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("POD_NAMESPACE", "ANTHROPIC_API_KEY", "DEVOPS_BRIEFING")
    }
    return subprocess.run(
        [sys.executable, "-m", "devops_orchestrator.worker", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_briefing_runs_and_writes_files(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(APPS / "rust-axum", workspace)
    briefing = make_briefing("docker-worker", "Containerize it").model_copy(
        update={"engine": EngineName.AUTO}
    )  # no API key: the generator
    done = run(
        {"DEVOPS_BRIEFING": briefing.model_dump_json(), "DEVOPS_WORKSPACE_DIR": str(workspace)}
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["engine"] == "generator"
    assert "Dockerfile" in result["files_created"]
    assert (workspace / "Dockerfile").is_file()
    assert result["docker_config"]["port"] == 7878


def test_briefing_file_option(tmp_path: Path) -> None:
    shutil.copytree(APPS / "static-site", tmp_path / "site")
    path = tmp_path / "briefing.json"
    path.write_text(make_briefing("infra-worker", "Kubernetes").model_dump_json())
    done = run({}, "--briefing-file", str(path), "--workspace", str(tmp_path / "site"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site/k8s/deployment.yaml").is_file()


def test_bad_briefings_fail_clearly(tmp_path: Path) -> None:
    done = run({"DEVOPS_WORKSPACE_DIR": str(tmp_path)})
    assert done.returncode == 2
    assert "no briefing: set DEVOPS_BRIEFING" in done.stderr

    done = run(
        {"DEVOPS_BRIEFING": '{"worker": "docker-worker"}', "DEVOPS_WORKSPACE_DIR": str(tmp_path)}
    )
    assert done.returncode == 2
    assert "invalid briefing" in done.stderr and "task_name: Field required" in done.stderr

    unknown = make_briefing("gpu-worker").model_dump_json()
    done = run({"DEVOPS_BRIEFING": unknown, "DEVOPS_WORKSPACE_DIR": str(tmp_path)})
    assert done.returncode == 1
    assert "gpu-worker failed" in done.stderr and "gpu-worker.md" in done.stderr

    empty = make_briefing("docker-worker").model_dump_json()
    done = run({"DEVOPS_BRIEFING": empty, "DEVOPS_WORKSPACE_DIR": str(tmp_path / "empty")})
    assert done.returncode == 1
    assert "could not recognise the application" in done.stderr
    assert "Traceback" not in done.stderr
