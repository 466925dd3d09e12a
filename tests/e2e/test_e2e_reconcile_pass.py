"""One reconcile pass against the real API server, without the operator process: the
adapter's idempotency (409 on create and 404 on delete are success), the single status
write, a stale read turned into a retryable conflict, and the requests a pass makes
when the watches already showed it the task and its Jobs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from counting_client import CountingApiClient
from devops_orchestrator import constants as c
from devops_orchestrator.adapters import jobs, kube, tasks
from devops_orchestrator.adapters.errors import RetryableError
from devops_orchestrator.config import Settings
from devops_orchestrator.core.briefing import build_briefing
from devops_orchestrator.core.briefing_file import ANNOTATIONS_LIMIT_BYTES, MAX_BRIEFING_BYTES
from devops_orchestrator.core.decision import JobToCreate
from devops_orchestrator.core.jobs import (
    build_job_config,
    build_job_name,
    build_result_configmap_name,
    render_job,
)
from devops_orchestrator.definitions import load_definitions
from devops_orchestrator.models import Briefing, DevOpsTaskSpec
from devops_orchestrator.reconcile import run_pass
from devops_orchestrator.result_cache import ResultCache
from devops_orchestrator.watched import WatchedTasks
from e2e.taskutil import Tasks, wait_for

WORKER_MANIFESTS = Path(__file__).parents[2] / "manifests" / "worker"


@pytest.fixture
def pass_tasks(cluster: Any, namespace: str, devops_crd: None) -> Iterator[Tasks]:
    api = cluster.api_client()
    kube.use_api_client(api)
    yield Tasks(api, namespace, lambda: "(no operator: passes run in the test)")


def _pass(namespace: str, name: str, **watch: Any) -> Any:
    return run_pass(
        namespace,
        name,
        job_config=build_job_config(Settings()),
        definitions=load_definitions(),
        **watch,
    )


@pytest.fixture
def counted(cluster: Any, pass_tasks: Tasks) -> Iterator[CountingApiClient]:
    api = CountingApiClient(cluster.api_client().configuration)
    kube.use_api_client(api)
    yield api
    kube.use_api_client(cluster.api_client())


def test_a_pass_takes_the_task_and_its_jobs_from_the_watches(
    pass_tasks: Tasks, counted: CountingApiClient
) -> None:
    ns = pass_tasks.namespace
    body = pass_tasks.create("seen", description="Containerize the application with a Dockerfile")
    watched, results = WatchedTasks(), ResultCache()
    assert watched.observe_task("ADDED", body)  # created while we watched

    first = _pass(ns, "seen", watched=watched, cache=results)
    assert first.created == ("seen-docker-1",) and first.status_written
    # No read of the task, no list of its Jobs or results: the Job (it carries the
    # briefing), one status write.
    assert [method for method, _ in counted.requests] == ["POST", "PATCH"]

    counted.requests.clear()
    second = _pass(ns, "seen", watched=watched, cache=results)
    assert second.created == () and not second.status_written
    assert counted.requests == []  # the written status and the created Job were kept

    third = _pass(ns, "seen", watched=watched, cache=results, fresh=True)
    assert third.created == () and not third.status_written
    assert sorted(method for method, _ in counted.requests) == ["GET", "GET"]  # task, Jobs
    assert [j.metadata.name for j in pass_tasks.jobs("seen")] == ["seen-docker-1"]


def test_a_task_found_at_start_up_has_its_jobs_listed_once(
    pass_tasks: Tasks, counted: CountingApiClient
) -> None:
    ns = pass_tasks.namespace
    pass_tasks.create("found", description="Containerize the application with a Dockerfile")
    _pass(ns, "found")  # an earlier operator created its Job
    watched, results = WatchedTasks(), ResultCache()
    assert watched.observe_task(None, pass_tasks.get("found"))  # kopf's listing

    counted.requests.clear()
    again = _pass(ns, "found", watched=watched, cache=results)
    assert again.created == () and not again.status_written
    assert [method for method, _ in counted.requests] == ["GET"]  # its Jobs, listed
    counted.requests.clear()
    _pass(ns, "found", watched=watched, cache=results)
    assert counted.requests == []


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


def test_a_task_whose_briefing_no_job_can_carry_fails_with_the_reason(pass_tasks: Tasks) -> None:
    """The CRD lets a kubectl task hold 50 requirements of 2,000 characters (400 KB of
    emoji); its briefing fits in no pod's annotations. The worker fails at once, saying
    why, with nothing created and nothing retried."""
    ns = pass_tasks.namespace
    requirements = ["\N{GRINNING FACE}" * 2000] * 50
    pass_tasks.create("huge", description="Containerize the app", requirements=requirements)
    outcome = _pass(ns, "huge")
    assert outcome.created == () and outcome.status_written
    status = pass_tasks.status("huge")
    assert status["phase"] == "Failed", status
    assert "worker pods cannot be created: the worker's briefing is" in status["message"]
    assert "requirements and context take" in status["message"]
    (worker,) = status["workers"]
    assert (worker["phase"], worker["attempts"]) == ("Failed", 1)
    assert pass_tasks.jobs("huge") == []
    assert pass_tasks.get("huge")["spec"]["requirements"] == requirements  # nothing lost


def test_the_api_server_takes_a_briefing_at_the_bound_and_refuses_past_its_limit(
    pass_tasks: Tasks,
) -> None:
    """The bound is the API server's own: a Job whose pod template carries a briefing of
    MAX_BRIEFING_BYTES is valid, one past the 256 KiB of annotations is not (dry runs)."""
    ns = pass_tasks.namespace
    briefing = Briefing(task_name="bound", namespace=ns, worker="docker-worker", description="d")
    job = JobToCreate("docker-worker", 1, "bound-docker-1", briefing, deadline_seconds=60)
    manifest = render_job(
        job, task_name="bound", task_uid="0", namespace=ns, config=build_job_config(Settings())
    )
    manifest["metadata"].pop("ownerReferences")
    annotations = manifest["spec"]["template"]["metadata"]["annotations"]
    batch = client.BatchV1Api(pass_tasks.api)
    annotations[c.ANNOTATION_BRIEFING] = "\N{LATIN SMALL LETTER E WITH ACUTE}" * (
        MAX_BRIEFING_BYTES // 2
    )
    batch.create_namespaced_job(ns, manifest, dry_run="All")
    annotations[c.ANNOTATION_BRIEFING] = "x" * (
        ANNOTATIONS_LIMIT_BYTES - len(c.ANNOTATION_BRIEFING) + 1
    )
    with pytest.raises(client.ApiException) as caught:
        batch.create_namespaced_job(ns, manifest, dry_run="All")
    assert caught.value.status == 422 and "262144 bytes" in str(caught.value.body)


def test_a_job_of_the_earlier_version_still_runs_from_its_configmap(
    cluster: Any, pass_tasks: Tasks
) -> None:
    """An upgrade with a task in flight: the earlier version created a briefing ConfigMap
    and a Job that mounts it. Its worker still reads it, the new pass takes its result and
    creates nothing, and the ConfigMap stays, owned by the task that takes it along."""
    ns = pass_tasks.namespace
    cluster.kubectl("apply", "-k", str(WORKER_MANIFESTS), "-n", ns)  # the workers' account
    task = pass_tasks.create(
        "upgrade",
        description="Containerize the application with a Dockerfile",
        workers=["docker-worker"],
        engine="generator",
    )
    uid = task["metadata"]["uid"]
    job_name = build_job_name("upgrade", "docker-worker", 1)
    briefing = build_briefing(
        spec=DevOpsTaskSpec.model_validate(task["spec"]), task_name="upgrade", task_uid=uid,
        namespace=ns, worker="docker-worker", attempt=1, job_name=job_name,
        result_configmap=build_result_configmap_name(job_name), previous_results={},
        definitions=load_definitions(),
    )  # fmt: skip
    old = render_job(
        JobToCreate("docker-worker", 1, job_name, briefing, deadline_seconds=600),
        task_name="upgrade", task_uid=uid, namespace=ns, config=build_job_config(Settings()),
    )  # fmt: skip
    template = old["spec"]["template"]
    template["metadata"].pop("annotations")  # as the earlier version rendered it
    (volume,) = [v for v in template["spec"]["volumes"] if v["name"] == "briefing"]
    volume.pop("downwardAPI")
    volume["configMap"] = {"name": f"{job_name}-briefing", "defaultMode": 0o444}
    meta = old["metadata"]
    configmap = {
        "metadata": {
            "name": f"{job_name}-briefing",
            "labels": {**meta["labels"], c.LABEL_COMPONENT: "briefing"},
            "ownerReferences": [{**meta["ownerReferences"][0], "controller": False}],
        },
        "data": {"briefing.json": briefing.model_dump_json()},
    }
    core, batch = client.CoreV1Api(pass_tasks.api), client.BatchV1Api(pass_tasks.api)
    core.create_namespaced_config_map(ns, configmap)
    batch.create_namespaced_job(ns, old)

    def succeeded() -> bool:
        return bool(batch.read_namespaced_job_status(job_name, ns).status.succeeded)

    wait_for(
        "the earlier version's Job to succeed",
        succeeded,
        120,
        lambda: str(pass_tasks.jobs("upgrade")),
    )
    outcome = _pass(ns, "upgrade")
    assert outcome.created == ()
    status = pass_tasks.status("upgrade")
    assert status["phase"] == "Succeeded", status
    assert "Dockerfile" in json.dumps(status.get("result") or status)
    kept = core.read_namespaced_config_map(f"{job_name}-briefing", ns)
    assert [owner.uid for owner in kept.metadata.owner_references] == [uid]
