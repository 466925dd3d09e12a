"""The worker process in a cluster hands its result and files to the operator as the
frame that ends its output; it calls no API (its pod has no token)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from workerkit import APPS, make_briefing

from devops_orchestrator.core.result_frame import decode_last_frame


def _run(briefing_json: str, workspace: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ANTHROPIC_API_KEY", "KUBECONFIG", "KUBERNETES_SERVICE_HOST")
    }
    env.update(
        DEVOPS_BRIEFING=briefing_json,
        DEVOPS_WORKSPACE_DIR=str(workspace),
        POD_NAMESPACE="team-a",
    )
    return subprocess.run(
        [sys.executable, "-m", "devops_orchestrator.worker"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_result_and_artifacts_travel_in_the_frame(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(APPS / "node-express-ts", workspace)
    (workspace / "logo.bin").write_bytes(b"\x00\xff")  # not generated: not carried
    briefing = make_briefing(
        "docker-worker",
        namespace="team-a",
        job_name="shop-docker-1",
        result_configmap="shop-docker-1-result",
    )
    done = _run(briefing.model_dump_json(), workspace)
    assert done.returncode == 0, done.stderr

    frame = decode_last_frame(done.stdout, 0)
    assert frame.result is not None and frame.error is None
    assert frame.result["artifacts_configmap"] == "shop-docker-1-artifacts"
    index = json.loads(frame.artifacts_data["files.json"])
    assert sorted(index.values()) == sorted(frame.result["files_created"])
    assert frame.artifacts_data["Dockerfile"] == (workspace / "Dockerfile").read_text()
    assert "logo.bin" not in index.values()


def test_failure_travels_with_its_error(tmp_path: Path) -> None:
    briefing = make_briefing(
        "docker-worker",
        namespace="team-a",
        job_name="shop-docker-2",
        result_configmap="shop-docker-2-result",
    )
    done = _run(briefing.model_dump_json(), tmp_path / "empty")
    assert done.returncode == 1
    frame = decode_last_frame(done.stdout, 1)
    assert frame.result is None
    assert frame.error is not None and "could not recognise the application" in frame.error


def test_standalone_runs_print_no_frame(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(APPS / "node-express-ts", workspace)
    env_free = make_briefing("docker-worker", namespace="team-a")  # no result ConfigMap
    done = _run(env_free.model_dump_json(), workspace)
    assert done.returncode == 0 and "BEGIN DEVOPS RESULT" not in done.stdout
    assert json.loads(done.stdout.strip().splitlines()[-1])["engine"] == "generator"
