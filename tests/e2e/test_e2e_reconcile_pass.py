"""One reconcile pass against the real API server, without the operator process: the
adapter's idempotency (409 on create and 404 on delete are success), the single status
write, and a stale read turned into a retryable conflict."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from devops_orchestrator.adapters import jobs, kube, tasks
from devops_orchestrator.adapters.errors import RetryableError
from devops_orchestrator.config import Settings
from devops_orchestrator.core.jobs import build_job_config
from devops_orchestrator.definitions import load_definitions
from devops_orchestrator.reconcile import run_pass
from e2e.taskutil import Tasks


@pytest.fixture
def pass_tasks(cluster: Any, namespace: str, devops_crd: None) -> Iterator[Tasks]:
    api = cluster.api_client()
    kube.use_api_client(api)
    yield Tasks(api, namespace, lambda: "(no operator: passes run in the test)")


def _pass(namespace: str, name: str) -> Any:
    return run_pass(
        namespace,
        name,
        job_config=build_job_config(Settings()),
        definitions=load_definitions(),
    )


def test_repeated_passes_create_one_job_and_write_the_status_once(pass_tasks: Tasks) -> None:
    ns = pass_tasks.namespace
    pass_tasks.create("once", description="Containerize the application with a Dockerfile")

    first = _pass(ns, "once")
    assert first.created == ("once-docker-1",)
    assert first.status_written
    status = pass_tasks.status("once")
    assert status["phase"] == "Running"
    assert status["workers"][0]["jobName"] == "once-docker-1"

    second = _pass(ns, "once")
    assert second.created == ()
    assert not second.status_written
    assert [j.metadata.name for j in pass_tasks.jobs("once")] == ["once-docker-1"]
    job = pass_tasks.jobs("once")[0]
    owner = job.metadata.owner_references[0]
    assert (owner.kind, owner.name, owner.controller) == ("DevOpsTask", "once", True)


def test_create_and_delete_are_idempotent(pass_tasks: Tasks) -> None:
    ns = pass_tasks.namespace
    pass_tasks.create("idem", description="Containerize the application with a Dockerfile")
    _pass(ns, "idem")
    name = pass_tasks.jobs("idem")[0].metadata.name
    pod = {"restartPolicy": "Never", "containers": [{"name": "w", "image": "busybox"}]}
    manifest = {"metadata": {"name": name}, "spec": {"template": {"spec": pod}}}
    assert jobs.ensure_job(ns, manifest) is False  # 409: already there
    assert jobs.delete_job(ns, name) is True
    assert jobs.delete_job(ns, name) is False  # 404: already gone
    assert tasks.get_task(ns, "no-such-task") is None


def test_a_stale_status_write_is_a_retryable_conflict(pass_tasks: Tasks) -> None:
    ns = pass_tasks.namespace
    task = pass_tasks.create("stale", description="Containerize the application")
    pass_tasks.patch("stale", {"metadata": {"labels": {"touched": "yes"}}})
    with pytest.raises(RetryableError) as caught:
        tasks.patch_task_status(
            ns, "stale", {"phase": "Running"}, resource_version=task["metadata"]["resourceVersion"]
        )
    assert caught.value.status == 409
    assert "phase" not in pass_tasks.status("stale")


def test_an_unknown_task_is_gone_not_an_error(pass_tasks: Tasks) -> None:
    outcome = _pass(pass_tasks.namespace, "never-created")
    assert outcome.task is None and outcome.decision is None
