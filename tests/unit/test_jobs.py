"""Job names and manifests."""

from __future__ import annotations

import re

import pytest

from devops_orchestrator import constants as c
from devops_orchestrator.config import Settings
from devops_orchestrator.core.decision import JobToCreate
from devops_orchestrator.core.jobs import (
    GIT_CREDENTIALS_LABEL,
    JobConfig,
    build_git_credentials_refusal,
    build_job_config,
    build_job_name,
    build_task_label_value,
    render_job,
)
from devops_orchestrator.models import (
    Briefing,
    EngineName,
    GitWorkspace,
    VolumeWorkspace,
    WorkspaceSpec,
)

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@pytest.mark.parametrize(
    ("task", "worker", "attempt", "expected"),
    [
        ("pipeline-task", "docker-worker", 1, "pipeline-task-docker-1"),
        ("pipeline-task", "ci-worker", 3, "pipeline-task-ci-3"),
        ("my.task", "infra-worker", 2, "my-task-infra-2"),
    ],
)
def test_job_name(task: str, worker: str, attempt: int, expected: str) -> None:
    assert build_job_name(task, worker, attempt) == expected


def test_long_names_are_cut_hashed_and_distinct() -> None:
    long_a, long_b = "a" * 200 + "x", "a" * 200 + "y"
    names = {build_job_name(t, "infra-worker", n) for t in (long_a, long_b) for n in (1, 12)}
    assert len(names) == 4
    for name in names:
        assert len(name) <= 63 and DNS_LABEL.match(name), name
        assert name.endswith(("-infra-1", "-infra-12"))
    assert len(build_task_label_value(long_a)) <= 63
    assert build_task_label_value(long_a) != build_task_label_value(long_b)
    assert build_task_label_value("short") == "short"


CONFIG = JobConfig(
    image="img:1",
    command=("python", "-m", "devops_orchestrator.worker"),
    service_account="devops-worker",
    ttl_seconds=600,
    anthropic_secret_name="anthropic",
    env=(("DEVOPS_MODEL_SONNET", "m"),),
)


def _job(workspace: WorkspaceSpec | None = None) -> JobToCreate:
    briefing = Briefing(
        task_name="t", namespace="ns", worker="docker-worker", description="d", workspace=workspace
    )
    return JobToCreate("docker-worker", 2, "t-docker-2", briefing, deadline_seconds=120)


def test_render_job() -> None:
    job = render_job(_job(), task_name="t", task_uid="uid-1", namespace="ns", config=CONFIG)
    meta, spec = job["metadata"], job["spec"]
    assert (job["apiVersion"], job["kind"], meta["name"], meta["namespace"]) == (
        "batch/v1", "Job", "t-docker-2", "ns",
    )  # fmt: skip
    labels = {
        c.LABEL_TASK: "t",
        c.LABEL_WORKER: "docker-worker",
        c.LABEL_ATTEMPT: "2",
        c.LABEL_MANAGED_BY: c.MANAGED_BY,
    }
    assert labels.items() <= meta["labels"].items()
    assert labels.items() <= spec["template"]["metadata"]["labels"].items()
    assert meta["ownerReferences"] == [
        {
            "apiVersion": c.API_VERSION,
            "kind": c.KIND,
            "name": "t",
            "uid": "uid-1",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert spec["backoffLimit"] == 0
    assert spec["activeDeadlineSeconds"] == 120
    assert spec["ttlSecondsAfterFinished"] == 600
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["serviceAccountName"] == "devops-worker"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = pod["containers"]
    sc = container["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False and sc["readOnlyRootFilesystem"] is True
    assert sc["capabilities"] == {"drop": ["ALL"]} and sc["runAsUser"] == 10001
    assert container["resources"]["limits"] == {
        "cpu": "1", "memory": "512Mi", "ephemeral-storage": "3Gi",
    }  # fmt: skip
    env = {e["name"]: e for e in container["env"]}
    assert "DEVOPS_BRIEFING" not in env  # a file: an env var is limited to 128 KiB
    assert env["DEVOPS_BRIEFING_FILE"]["value"] == "/var/run/devops/briefing/briefing.json"
    assert env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert env["POD_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
    assert env["ANTHROPIC_API_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": "anthropic", "key": "ANTHROPIC_API_KEY", "optional": True,
    }  # fmt: skip
    assert env["DEVOPS_MODEL_SONNET"]["value"] == "m"
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes[mounts["/workspace"]]["emptyDir"] == {"sizeLimit": "2Gi"}
    assert volumes[mounts["/tmp"]]["emptyDir"] == {"sizeLimit": "512Mi"}
    briefing = volumes[mounts["/var/run/devops/briefing"]]
    assert briefing["downwardAPI"] == {
        "items": [
            {
                "path": "briefing.json",
                "fieldRef": {"fieldPath": "metadata.annotations['devops.agentnet.dev/briefing']"},
            }
        ],
        "defaultMode": 0o444,
    }
    assert not any("configMap" in volume for volume in pod["volumes"])  # one create: the Job


def test_workspace_volume_from_pvc() -> None:
    ws = WorkspaceSpec(volume=VolumeWorkspace(claim_name="src", sub_path="app"))
    job = render_job(_job(ws), task_name="t", task_uid="u", namespace="ns", config=CONFIG)
    pod = job["spec"]["template"]["spec"]
    mount = next(m for m in pod["containers"][0]["volumeMounts"] if m["mountPath"] == "/workspace")
    assert mount["subPath"] == "app"
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    assert volume["persistentVolumeClaim"] == {"claimName": "src"}


def test_deadline_is_at_least_one_second() -> None:
    job = _job()
    zero = JobToCreate(job.worker, job.attempt, job.job_name, job.briefing, deadline_seconds=0)
    rendered = render_job(zero, task_name="t", task_uid="u", namespace="ns", config=CONFIG)
    assert rendered["spec"]["activeDeadlineSeconds"] == 1


def test_job_config_from_settings() -> None:
    settings = Settings(worker_image="x:2", worker_service_account="sa", job_ttl_seconds=5)
    config = build_job_config(settings)
    assert (config.image, config.service_account, config.ttl_seconds) == ("x:2", "sa", 5)
    assert config.command == tuple(settings.worker_command)


def test_worker_flags_reach_the_worker_even_when_false() -> None:
    """A flag whose worker default is True must still be turned off by the operator's."""
    env = dict(build_job_config(Settings(checkov_enabled=False, model_opus="")).env)
    assert env["DEVOPS_CHECKOV_ENABLED"] == "False"
    assert "DEVOPS_MODEL_OPUS" not in env  # unset: the worker's own default applies
    worker = Settings(**{k.removeprefix("DEVOPS_").lower(): v for k, v in env.items()})
    assert worker.checkov_enabled is False


def test_secrets_reach_the_worker_as_secret_refs_and_only_where_needed() -> None:
    """The API key only for an engine that may use it; git credentials as variables
    (the worker takes them out of its environment), never a mounted file."""
    git = WorkspaceSpec(git=GitWorkspace(url="https://h/a.git", credentials_secret="creds"))
    job = _job(git)
    claude = render_job(job, task_name="t", task_uid="u", namespace="ns", config=CONFIG)
    container = claude["spec"]["template"]["spec"]["containers"][0]
    env = {
        e["name"]: e["valueFrom"]["secretKeyRef"]
        for e in container["env"]
        if "valueFrom" in e and "secretKeyRef" in e["valueFrom"]
    }
    assert env == {
        "ANTHROPIC_API_KEY": {"name": "anthropic", "key": "ANTHROPIC_API_KEY", "optional": True},
        "GIT_USERNAME": {"name": "creds", "key": "username", "optional": True},
        "GIT_PASSWORD": {"name": "creds", "key": "password", "optional": True},
        "GIT_TOKEN": {"name": "creds", "key": "token", "optional": True},
    }
    assert all("secret" not in v for v in claude["spec"]["template"]["spec"]["volumes"])

    briefing = job.briefing.model_copy(update={"engine": EngineName.GENERATOR})
    generator = JobToCreate(job.worker, job.attempt, job.job_name, briefing, job.deadline_seconds)
    rendered = render_job(generator, task_name="t", task_uid="u", namespace="ns", config=CONFIG)
    names = {e["name"] for e in rendered["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert "ANTHROPIC_API_KEY" not in names and "GIT_TOKEN" in names


def test_git_credentials_need_the_opt_in_label() -> None:
    """A task may name any Secret; only one labelled for it becomes git credentials."""
    assert build_git_credentials_refusal("creds", {GIT_CREDENTIALS_LABEL: "true"}) is None
    assert "does not exist" in (build_git_credentials_refusal("creds", None) or "")
    refused = build_git_credentials_refusal("anthropic-api-key", {"app": "x"})
    assert refused is not None and f"{GIT_CREDENTIALS_LABEL}=true" in refused

    git = WorkspaceSpec(git=GitWorkspace(url="https://h/a.git", credentials_secret="db-password"))
    rendered = render_job(
        _job(git),
        task_name="t",
        task_uid="u",
        namespace="ns",
        config=CONFIG,
        git_credentials_refused=refused,
    )
    env = {e["name"]: e for e in rendered["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert not {"GIT_USERNAME", "GIT_PASSWORD", "GIT_TOKEN"} & set(env)
    assert env["DEVOPS_GIT_CREDENTIALS_REFUSED"]["value"] == refused


def test_workers_get_no_service_account_token() -> None:
    pod = render_job(_job(), task_name="t", task_uid="u", namespace="ns", config=CONFIG)
    assert pod["spec"]["template"]["spec"]["automountServiceAccountToken"] is False
