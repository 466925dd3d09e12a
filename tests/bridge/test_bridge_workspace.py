"""The network's workspace, end to end: a producer that speaks only the protocol sends
tasks whose `context.workspace` names a project on the shared volume; the workers read
it and write beside it, the result names the files as the network sees them, and two
tasks on the same folder take turns. Without a shared volume the files travel in
`output.artifacts`."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from devcluster.demo import build_workspace_volume, seed_workspace
from e2e.taskutil import wait_for
from e2e.test_e2e_git_workspace import bare_repo, git  # noqa: F401 (a fixture)
from fixtures_stack import Stack
from producer.producer import Producer, make_task

APPS = Path(__file__).resolve().parents[1] / "worker" / "apps"
CLAIM = "network-workspace"
GO_APP = APPS / "go-nethttp"
DESCRIPTION = "Containerize the app with a Dockerfile"


@pytest.fixture
def shared_root(stack: Stack) -> Any:
    """The network's /workspace: a claim in the test's namespace bound to a host folder
    holding the Go sample app at /workspace/services/api (owned by the workers' uid)."""
    root = Path(tempfile.mkdtemp(prefix="e2e-network-", dir="/var/tmp"))  # pods have their own /tmp
    seed_workspace(root / "services" / "api", GO_APP, clear=root)
    manifests = build_workspace_volume(root, stack.namespace, CLAIM)
    stack.cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(manifests))
    core = client.CoreV1Api(stack.api)

    def bound() -> bool:
        pvc = core.read_namespaced_persistent_volume_claim(CLAIM, stack.namespace)
        return pvc.status is not None and pvc.status.phase == "Bound"

    wait_for("the shared workspace claim to bind", bound, 60)
    yield root
    stack.cluster.kubectl("delete", "pv", manifests[0]["metadata"]["name"], "--wait=false")
    shutil.rmtree(root, ignore_errors=True)


def shared_operator(stack: Stack, **extra: str) -> None:
    stack.operator(DEVOPS_SHARED_WORKSPACE_CLAIM=CLAIM, **extra)


def output_of(result: dict[str, str]) -> dict[str, Any]:
    output: dict[str, Any] = json.loads(result["output"])
    return output


def test_a_task_works_on_the_project_its_workspace_names_and_bad_paths_fail(
    stack: Stack, producer: Producer, shared_root: Path
) -> None:
    shared_operator(stack)
    task_id = producer.submit(  # no project_type: the stack must come from the files
        make_task(DESCRIPTION, context={"workspace": "/workspace/services/api"})
    )
    outside = producer.submit(make_task(DESCRIPTION, context={"workspace": "/etc"}))
    climbing = producer.submit(make_task(DESCRIPTION, context={"workspace": "/workspace/../etc"}))
    refused = producer.wait([outside, climbing], timeout=60)
    assert refused[outside]["status"] == "failed"
    assert "outside the shared workspace '/workspace'" in refused[outside]["error"]
    assert refused[climbing]["status"] == "failed"
    assert "'..'" in refused[climbing]["error"]
    result = producer.wait([task_id], timeout=180)[task_id]
    assert result["status"] == "completed", (result.get("error"), stack.log_tail())
    output = output_of(result)
    project = shared_root / "services" / "api"
    assert "/workspace/services/api/Dockerfile" in output["files_created"], output
    assert all(path.startswith("/workspace/services/api/") for path in output["files_created"])
    for path in output["files_created"]:
        assert (project / path.removeprefix("/workspace/services/api/")).is_file(), path
    assert "golang" in (project / "Dockerfile").read_text().lower()  # detected from go.mod
    assert not (shared_root / "Dockerfile").exists()  # nothing outside the task's folder
    assert "artifacts" not in output  # the files are on the network's volume
    assert producer.published[task_id] == result  # the channel says the same as the hash
    (name,) = stack.dt_names()  # the refused tasks never became DevOpsTasks
    assert stack.tasks.status(name)["result"]["files_created"] == output["files_created"]


def test_without_a_shared_workspace_the_files_travel_in_the_output(
    stack: Stack, producer: Producer
) -> None:
    stack.operator()
    context = {"workspace": "/workspace/services/api", "project_type": "go"}
    task_id = producer.submit(make_task(DESCRIPTION, context=context))
    result = producer.wait([task_id], timeout=180)[task_id]
    assert result["status"] == "completed", (result.get("error"), stack.log_tail())
    output = output_of(result)
    artifacts = output["artifacts"]
    assert set(artifacts) == set(output["files_created"]), output
    dockerfile = artifacts["/workspace/services/api/Dockerfile"]
    assert dockerfile.startswith(("FROM", "#", "ARG", "# syntax")) and "golang" in dockerfile
    assert producer.published[task_id] == result


def test_two_tasks_on_one_workspace_take_turns(
    stack: Stack, producer: Producer, shared_root: Path
) -> None:
    shared_operator(stack, DEVOPS_WORKSPACE_WAIT_SECONDS="120")
    slow = {"e2e": {"sleep": {"docker-worker": 6}}}
    context = {"workspace": "/workspace/services/api", **slow}
    first = producer.submit(make_task(DESCRIPTION, context=context))
    wait_for("the first task's worker", lambda: stack.job_count() == 1, 60)
    second = producer.submit(make_task(DESCRIPTION, context=context))
    results = producer.wait([first, second], timeout=240)
    for task_id in (first, second):
        assert results[task_id]["status"] == "completed", (results, stack.log_tail())
    jobs = {
        (job.metadata.labels or {})["devops.agentnet.dev/task"]: job
        for job in stack.tasks.batch.list_namespaced_job(stack.namespace).items
    }
    assert len(jobs) == 2, jobs.keys()
    ordered = sorted(jobs.values(), key=lambda job: job.metadata.creation_timestamp)
    finished_first = ordered[0].status.completion_time
    assert finished_first is not None
    assert ordered[1].status.start_time >= finished_first  # never both writing
    waited = "\n".join(producer.logs(second))
    assert "waiting for the workspace /workspace/services/api" in waited, waited
    assert "waiting for the workspace" not in "\n".join(producer.logs(first))


def test_a_repository_from_the_network_becomes_a_git_workspace(
    stack: Stack,
    producer: Producer,
    bare_repo: Path,  # noqa: F811
) -> None:
    stack.operator(DEVOPS_GIT_ALLOW_FILE_URLS="true")  # a local remote stands in for https
    repository = {"url": f"file://{bare_repo}", "branch": "main"}
    task_id = producer.submit(make_task(DESCRIPTION, context={"repository": repository}))
    result = producer.wait([task_id], timeout=180)[task_id]
    assert result["status"] == "completed", (result.get("error"), stack.log_tail())
    output = output_of(result)
    detail = output["details"]["docker-worker"]
    branch, commit = detail["git_branch"], detail["git_commit"]
    assert git("--git-dir", str(bare_repo), "rev-parse", branch).strip() == commit
    pushed = git("--git-dir", str(bare_repo), "ls-tree", "-r", "--name-only", branch).split()
    assert "Dockerfile" in pushed and "package.json" in pushed  # beside the app it cloned
    assert "artifacts" not in output  # the files reached the network through git


def test_a_task_that_cannot_wait_fails_with_who_holds_the_workspace(
    stack: Stack, producer: Producer, shared_root: Path
) -> None:
    shared_operator(stack, DEVOPS_WORKSPACE_WAIT_SECONDS="0")  # give up at once
    context = {"workspace": "/workspace/services/api", "e2e": {"sleep": {"docker-worker": 60}}}
    first = producer.submit(make_task(DESCRIPTION, context=context))
    wait_for("the first task's worker", lambda: stack.job_count() == 1, 60)
    second = producer.submit(make_task(DESCRIPTION, context=context))
    result = producer.wait([second], timeout=60)[second]
    assert result["status"] == "failed"
    holder = next(name for name in stack.dt_names() if name.endswith(first))
    expected = f"gave up waiting for the workspace /workspace/services/api: {holder} was still"
    assert result["error"].startswith(expected), result["error"]
    assert stack.job_count() == 1  # the second task never wrote
    assert producer.result(first)["status"] not in ("completed", "failed")  # still at work
