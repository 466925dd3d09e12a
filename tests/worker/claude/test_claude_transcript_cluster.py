"""The real worker process runs the claude engine against the strict stand-in and hands
its redacted transcript over beside its result (the frame ending its output, stored here
as the operator stores it); a failed attempt hands over its usage too; `devopsctl
transcript` shows both (real API server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from claude_support import API_KEY
from click.testing import CliRunner
from kubernetes import client as k8s

from devops_orchestrator import constants as c
from devops_orchestrator.adapters.results import build_stored_configmaps
from devops_orchestrator.cli import main as devopsctl
from devops_orchestrator.core.jobs import build_job_labels
from devops_orchestrator.core.result_frame import decode_last_frame
from devops_orchestrator.models import Briefing, EngineName, TokenUsage
from fakes.messages_api import MessagesAPIServer


def _run_worker(
    api: MessagesAPIServer, namespace: str, kubeconfig: Path, workspace: Path, attempt: int
) -> subprocess.CompletedProcess[str]:
    briefing = Briefing(
        task_name="shop",
        namespace=namespace,
        worker="docker-worker",
        attempt=attempt,
        job_name=f"shop-docker-worker-{attempt}",
        result_configmap=f"shop-docker-worker-{attempt}-result",
        description="Containerize the application",
        engine=EngineName.CLAUDE,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEVOPS_")}
    env.update(
        DEVOPS_BRIEFING=briefing.model_dump_json(),
        DEVOPS_WORKSPACE_DIR=str(workspace),
        DEVOPS_ANTHROPIC_BASE_URL=api.base_url,
        DEVOPS_CHECKOV_ENABLED="false",
        ANTHROPIC_API_KEY=API_KEY,
        POD_NAMESPACE=namespace,
        KUBECONFIG=str(kubeconfig),
    )
    return subprocess.run(
        [sys.executable, "-m", "devops_orchestrator.worker"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _store_as_the_operator(
    core: k8s.CoreV1Api, namespace: str, done: subprocess.CompletedProcess[str], attempt: int
) -> None:
    """What adapters.results does with a finished worker's log (no owners here: this Job
    and task do not exist, and the garbage collector would remove what they own)."""
    name = f"shop-docker-worker-{attempt}"
    labels = build_job_labels("shop", "docker-worker", attempt)
    job = {"metadata": {"name": name, "namespace": namespace, "uid": "-", "labels": labels}}
    frame = decode_last_frame(done.stdout, done.returncode)
    for body in build_stored_configmaps(job, "shop", "-", frame):
        del body["metadata"]["ownerReferences"]
        core.create_namespaced_config_map(namespace, body)


def test_transcripts_are_stored_and_shown(
    cluster: object,
    kube: k8s.ApiClient,
    namespace: str,
    messages_api: MessagesAPIServer,
    tmp_path: Path,
) -> None:
    kubeconfig: Path = cluster.kubeconfig  # type: ignore[attr-defined]
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "notes.txt").write_text(f"the key is {API_KEY}\n")
    messages_api.reply_tool_use("Read", {"path": "notes.txt"})
    messages_api.reply_tool_use("Write", {"path": "Dockerfile", "content": "FROM scratch\n"})
    messages_api.reply_submit({"summary": "Wrote a Dockerfile"})
    done = _run_worker(messages_api, namespace, kubeconfig, workspace, attempt=1)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("turn=") == 3 and "tool=Write arg=Dockerfile" in done.stderr

    messages_api.reply_refusal("No.", explanation="not this one")
    failed = _run_worker(messages_api, namespace, kubeconfig, workspace, attempt=2)
    assert failed.returncode == 1
    assert "the model refused: not this one" in failed.stderr

    core = k8s.CoreV1Api(kube)
    _store_as_the_operator(core, namespace, done, 1)
    _store_as_the_operator(core, namespace, failed, 2)
    first = core.read_namespaced_config_map("shop-docker-worker-1-result", namespace).data
    second = core.read_namespaced_config_map("shop-docker-worker-2-result", namespace).data
    lines = [json.loads(line) for line in first[c.TRANSCRIPT_DATA_KEY].splitlines()]
    assert [line["type"] for line in lines].count("assistant") == 3
    assert API_KEY not in first[c.TRANSCRIPT_DATA_KEY]
    assert json.loads(first[c.RESULT_DATA_KEY])["usage"]["cost_usd"] > 0
    usage = TokenUsage.model_validate_json(second[c.USAGE_DATA_KEY])  # a failure's cost
    assert usage.cache_read_tokens > 0 and usage.cost_usd > 0  # the first run cached it
    assert c.RESULT_DATA_KEY not in second

    runner = CliRunner()
    base = ["--kubeconfig", str(kubeconfig), "transcript", "shop", "-n", namespace]
    shown = runner.invoke(devopsctl, [*base, "--attempt", "1"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("== docker-worker attempt 1 ==\nmodel claude-sonnet-5-5")
    assert "turn 1: tool_use" in shown.output
    assert '-> Write {"content": "FROM scratch\\n", "path": "Dockerfile"}' in shown.output
    assert "result: " in shown.output and "the key is [redacted]" in shown.output
    latest = runner.invoke(devopsctl, [*base, "docker-worker"])
    assert "== docker-worker attempt 2 ==" in latest.output
    assert "turn 1: refusal" in latest.output
    assert "-- failed reason=the model refused: not this one" in latest.output
    missing = runner.invoke(devopsctl, [*base, "ci-worker"])
    assert missing.exit_code == 1 and "no transcript of ci-worker" in missing.output
