"""What a worker start costs: the modules it imports. A fresh interpreter per test,
since the test process itself has everything imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema

HEAVY = ("kubernetes", "anthropic", "jsonschema", "kubernetes_validate")

PROBE = """
import json, sys
from devops_orchestrator.worker.main import main
code = main(sys.argv[1:])
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print(json.dumps({{"code": code, "heavy": heavy}}), file=sys.stderr)
"""


def _run_worker(tmp_path: Path, briefing: dict[str, object]) -> tuple[dict[str, object], str]:
    env = {k: v for k, v in os.environ.items() if k not in ("POD_NAMESPACE", "ANTHROPIC_API_KEY")}
    env["DEVOPS_BRIEFING"] = json.dumps(briefing)
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), "--workspace", str(tmp_path / "ws")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = done.stderr.strip().splitlines()
    return json.loads(lines[-1]), lines[0]


def test_a_standalone_dockerfile_worker_imports_no_client_and_no_schema_library(
    tmp_path: Path,
) -> None:
    briefing = {
        "task_name": "t1",
        "namespace": "ns",
        "worker": "docker-worker",
        "attempt": 2,
        "description": "Containerize the app with a Dockerfile",
        "result_configmap": "t1-docker-2-result",
        "context": {"project_type": "nodejs"},
    }
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "compose.yaml").write_text("services: {}\n")  # not generated again
    outcome, first_line = _run_worker(tmp_path, briefing)
    assert outcome["code"] == 0
    assert first_line == "devops-worker: docker-worker attempt 2 of t1: started"
    assert (tmp_path / "ws" / "Dockerfile").is_file()
    # No POD_NAMESPACE: nothing is stored, so no Kubernetes client; no compose file was
    # written, so no JSON-schema validator; the generator engine needs no SDK.
    assert outcome["heavy"] == []


def test_the_compose_schema_that_workers_trust_is_a_valid_schema() -> None:
    package = "devops_orchestrator.worker.validators"
    schema = json.loads(resources.files(package).joinpath("compose_schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
