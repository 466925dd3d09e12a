"""Helpers of the e2e tests: create DevOpsTasks, wait for phases, read their Jobs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from kubernetes import client

from devops_orchestrator.constants import GROUP, LABEL_TASK, PLURAL, VERSION
from polling import wait_for as wait_for  # re-exported for the tests of this suite

PROJECT_CONTEXT = {"project_type": "nodejs"}
FINAL = ("Succeeded", "PartiallySucceeded", "Failed", "Cancelled")


class Tasks:
    """DevOpsTasks of one namespace, through the real API."""

    def __init__(self, api: client.ApiClient, namespace: str, explain: Callable[[], str]) -> None:
        self.api = api
        self.namespace = namespace
        self.custom = client.CustomObjectsApi(api)
        self.batch = client.BatchV1Api(api)
        self.core = client.CoreV1Api(api)
        self.explain = explain

    def create(self, name: str, **spec: Any) -> dict[str, Any]:
        """A DevOpsTask; its context says the project is a Node.js app (the workspace is
        empty, so the generator engine needs to be told what it builds for)."""
        spec["context"] = {**PROJECT_CONTEXT, **(spec.get("context") or {})}
        body = {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "DevOpsTask",
            "metadata": {"name": name},
            "spec": spec,
        }
        created: dict[str, Any] = self.custom.create_namespaced_custom_object(
            GROUP, VERSION, self.namespace, PLURAL, body
        )
        return created

    def get(self, name: str) -> dict[str, Any]:
        task: dict[str, Any] = self.custom.get_namespaced_custom_object(
            GROUP, VERSION, self.namespace, PLURAL, name
        )
        return task

    def patch(self, name: str, body: dict[str, Any]) -> None:
        self.custom.patch_namespaced_custom_object(
            GROUP, VERSION, self.namespace, PLURAL, name, body
        )

    def status(self, name: str) -> dict[str, Any]:
        return dict(self.get(name).get("status") or {})

    def describe(self, name: str) -> str:
        try:
            status = self.status(name)
        except client.ApiException as exc:
            status = {"error": str(exc)}
        jobs = [
            f"{j.metadata.name}: active={j.status.active} succeeded={j.status.succeeded} "
            f"failed={j.status.failed} conditions={[c.type for c in j.status.conditions or []]}"
            for j in self.jobs(name)
        ]
        events = [
            f"{e.type} {e.reason}: {e.message}"
            for e in self.core.list_namespaced_event(self.namespace).items
        ]
        return (
            f"status: {status}\njobs:\n  "
            + "\n  ".join(jobs)
            + "\nevents:\n  "
            + "\n  ".join(events[-30:])
            + f"\noperator log:\n{self.explain()}"
        )

    def wait_phase(self, name: str, phases: Iterable[str], timeout: float) -> dict[str, Any]:
        wanted = tuple(phases)

        def probe() -> dict[str, Any] | None:
            status = self.status(name)
            return status if status.get("phase") in wanted else None

        return wait_for(f"{name} in {wanted}", probe, timeout, lambda: self.describe(name))

    def wait_final(self, name: str, timeout: float) -> dict[str, Any]:
        return self.wait_phase(name, FINAL, timeout)

    def jobs(self, name: str) -> list[client.V1Job]:
        """The task's Jobs, oldest first."""
        found = self.batch.list_namespaced_job(
            self.namespace, label_selector=f"{LABEL_TASK}={name}"
        ).items
        return sorted(found, key=lambda j: (j.metadata.creation_timestamp, j.metadata.name))

    def wait_jobs(self, name: str, count: int, timeout: float) -> list[client.V1Job]:
        return wait_for(
            f"{count} Jobs of {name}",
            lambda: (lambda js: js if len(js) >= count else None)(self.jobs(name)),
            timeout,
            lambda: self.describe(name),
        )

    def events(self, name: str) -> list[client.CoreV1Event]:
        return [
            e
            for e in self.core.list_namespaced_event(self.namespace).items
            if e.involved_object.name == name and e.involved_object.kind == "DevOpsTask"
        ]


def job_worker(job: client.V1Job) -> str:
    return str(job.metadata.labels["devops.agentnet.dev/worker"])


def job_finished_at(job: client.V1Job) -> datetime | None:
    """When the Job reached Complete or Failed."""
    if job.status.completion_time is not None:
        return job.status.completion_time  # type: ignore[no-any-return]
    for cond in job.status.conditions or []:
        if cond.type == "Failed" and cond.status == "True":
            return cond.last_transition_time  # type: ignore[no-any-return]
    return None


def job_is_running(job: client.V1Job) -> bool:
    done = {c.type for c in job.status.conditions or [] if c.status == "True"}
    return not done & {"Complete", "Failed"} and job.metadata.deletion_timestamp is None
