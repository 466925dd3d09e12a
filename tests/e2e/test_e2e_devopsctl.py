"""`devopsctl get` and `devopsctl artifacts`, run as a person runs them (the console
script, as a subprocess) against a real task and the ConfigMaps its worker wrote."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client

from devops_orchestrator.models import Briefing
from devops_orchestrator.worker.artifacts import build_artifacts_configmap
from e2e.operator_process import OperatorProcess, free_port
from e2e.taskutil import Tasks

DEVOPSCTL = Path(sys.executable).with_name("devopsctl")
# Longer than a label value may be: the worker labels and devopsctl selects the same way.
LONG_NAME = "containerize-the-express-app-with-a-dockerfile-for-production-use-today"


def devopsctl(kubeconfig: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEVOPS_")}
    env["KUBECONFIG"] = str(kubeconfig)
    return subprocess.run(
        [str(DEVOPSCTL), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def stored_files(core: client.CoreV1Api, namespace: str, configmap: str) -> dict[str, bytes]:
    """{path: content} straight from an artifacts ConfigMap (its files.json index)."""
    cm = core.read_namespaced_config_map(configmap, namespace)
    data, binary = dict(cm.data or {}), dict(cm.binary_data or {})
    index: dict[str, str] = json.loads(data.pop("files.json"))
    return {
        path: data[key].encode() if key in data else base64.b64decode(binary[key])
        for key, path in index.items()
    }


def written_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_get_and_artifacts_of_a_real_task(
    cluster: Any, tasks: Tasks, operator: OperatorProcess, tmp_path: Path
) -> None:
    kubeconfig, ns = cluster.kubeconfig, tasks.namespace
    tasks.create(
        LONG_NAME,
        description="Containerize the Node.js Express app with a Dockerfile",
        workers=["docker-worker"],
        engine="generator",
    )
    status = tasks.wait_final(LONG_NAME, timeout=240)
    assert status["phase"] == "Succeeded", tasks.describe(LONG_NAME)

    # get: the table and --json, with phase and progress.
    table = devopsctl(kubeconfig, "get", "-n", ns)
    assert table.returncode == 0, table.stderr
    header, row = table.stdout.splitlines()
    assert header.split()[:4] == ["NAMESPACE", "NAME", "PHASE", "PROGRESS"]
    assert row.split()[:6] == [ns, LONG_NAME, "Succeeded", "1/1", "docker-worker", "explicit"]
    listed = devopsctl(kubeconfig, "get", "-n", ns, "--json")
    assert listed.returncode == 0, listed.stderr
    [entry] = json.loads(listed.stdout)
    assert (entry["name"], entry["phase"], entry["progress"]) == (LONG_NAME, "Succeeded", "1/1")
    assert (entry["plan"], entry["planner"]) == ("docker-worker", "explicit")
    empty = devopsctl(kubeconfig, "get", "-n", "no-such-namespace")
    assert (empty.returncode, empty.stdout.strip()) == (0, "no DevOpsTasks found")

    # artifacts: exactly the files the worker stored, at their paths.
    core = tasks.core
    [worker] = status["workers"]
    result_cm = core.read_namespaced_config_map(f"{worker['jobName']}-result", ns)
    result = json.loads(result_cm.data["result.json"])
    expected = stored_files(core, ns, result["artifacts_configmap"])
    assert set(expected) == set(result["files_created"]) == set(status["result"]["files_created"])
    assert "Dockerfile" in expected

    out = tmp_path / "out"
    fetched = devopsctl(kubeconfig, "artifacts", LONG_NAME, "-n", ns, "-o", str(out))
    assert fetched.returncode == 0, fetched.stderr
    assert written_files(out) == expected
    assert sorted(fetched.stdout.split()) == sorted(str(out / p) for p in expected)
    again = devopsctl(kubeconfig, "--json", "artifacts", LONG_NAME, "-n", ns, "-o", str(out))
    assert again.returncode == 0, again.stderr
    assert sorted(json.loads(again.stdout)["files"]) == sorted(str(out / p) for p in expected)

    # An unknown task: 1, one clear line.
    unknown = devopsctl(kubeconfig, "artifacts", "no-such-task", "-n", ns, "-o", str(out))
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == f"devopsctl: no artifacts for DevOpsTask {ns}/no-such-task"


def test_artifacts_reproduces_the_worker_format(
    cluster: Any, kube_api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    """Nested paths, odd characters and binary content, in the worker's own format (the
    operator stores what the worker's frame carries as is)."""
    files = {
        "Dockerfile": b"FROM node:20-alpine\n",
        ".github/workflows/ci.yml": b"name: ci\non: [push]\n",
        "k8s/base/deployment.yaml": b"kind: Deployment\n",
        "assets/logo v2.png": bytes(range(256)),
        "docs/caf\u00e9.md": "caf\u00e9 \u2615\n".encode(),
    }
    briefing = Briefing(
        task_name="made-by-hand",
        namespace=namespace,
        worker="docker-worker",
        job_name="made-by-hand-docker-1",
        description="-",
    )
    body, truncated = build_artifacts_configmap(briefing, files, 900 * 1024)
    assert truncated == [] and "binaryData" in body
    client.CoreV1Api(kube_api).create_namespaced_config_map(namespace, body)

    out = tmp_path / "out"
    fetched = devopsctl(
        cluster.kubeconfig, "artifacts", "made-by-hand", "-n", namespace, "-o", str(out)
    )
    assert fetched.returncode == 0, fetched.stderr
    assert written_files(out) == files


def test_usage_errors_and_an_unreachable_cluster(cluster: Any, tmp_path: Path) -> None:
    missing_output = devopsctl(cluster.kubeconfig, "artifacts", "some-task")
    assert missing_output.returncode == 2
    assert "Missing option '-o'" in missing_output.stderr
    bad_flag = devopsctl(cluster.kubeconfig, "get", "--no-such-flag")
    assert bad_flag.returncode == 2

    # A kubeconfig whose server nobody listens on.
    config = yaml.safe_load(Path(cluster.kubeconfig).read_text())
    for entry in config["clusters"]:
        entry["cluster"]["server"] = f"https://127.0.0.1:{free_port()}"
    dead = tmp_path / "dead.kubeconfig"
    dead.write_text(yaml.safe_dump(config))
    for args in (["get"], ["artifacts", "some-task", "-o", str(tmp_path / "out")]):
        answer = devopsctl(dead, *args)
        assert answer.returncode == 1, answer
        assert answer.stderr.startswith("devopsctl: cannot reach the Kubernetes API"), answer
        assert "Traceback" not in answer.stderr and len(answer.stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists()
