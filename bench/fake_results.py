"""What a real worker leaves behind, supplied by the harness on simulated nodes.

KWOK runs no process, so for each worker Job the operator creates this writes the
worker's result where a real worker would (today: the result ConfigMap named in the
briefing, in the format of `worker/artifacts.py`), as soon as the Job is seen: well
before KWOK completes its pod after the simulated worker time."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kubernetes import client as k8s

from devops_orchestrator.constants import KIND, LABEL_ATTEMPT, LABEL_WORKER
from devops_orchestrator.core.jobs import build_result_configmap_name
from devops_orchestrator.models import Briefing, WorkerResult
from devops_orchestrator.worker.artifacts import build_result_configmap

SUMMARY_PREFIX = "simulated"


def briefing_of(job: dict[str, Any]) -> Briefing | None:
    """What a worker of this Job would know about itself, from the Job's own metadata:
    its task (owner), worker and attempt labels, and where its result goes (pure). Read
    this way, not from the briefing the Job carries, so it holds however briefings
    travel."""
    meta = job.get("metadata") or {}
    labels = meta.get("labels") or {}
    owner = next((o for o in meta.get("ownerReferences") or [] if o.get("kind") == KIND), None)
    if owner is None or LABEL_WORKER not in labels or not meta.get("name"):
        return None
    return Briefing(
        task_name=owner["name"],
        task_uid=owner.get("uid", ""),
        namespace=meta.get("namespace", ""),
        worker=labels[LABEL_WORKER],
        attempt=int(labels.get(LABEL_ATTEMPT, "1")),
        job_name=meta["name"],
        description="(simulated)",
        result_configmap=build_result_configmap_name(meta["name"]),
    )


def build_simulated_result(briefing: Briefing, worker_seconds: float) -> WorkerResult:
    return WorkerResult(
        summary=f"{SUMMARY_PREFIX} {briefing.worker} ({worker_seconds:g} s)", engine="bench"
    )


def is_simulated(summary: str) -> bool:
    return summary.startswith(SUMMARY_PREFIX)


class ResultWriter:
    """`on_new_job` for a `Watcher`: writes each new Job's result from a small pool."""

    def __init__(self, api: k8s.ApiClient, worker_seconds: float, threads: int = 4) -> None:
        self.core = k8s.CoreV1Api(api)
        self.worker_seconds = worker_seconds
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="results")
        self.lock = threading.Lock()
        self.written = 0
        self.errors: list[str] = []

    def __call__(self, job: dict[str, Any]) -> None:
        self.pool.submit(self._write, job)

    def _write(self, job: dict[str, Any]) -> None:
        try:
            briefing = briefing_of(job)
            if briefing is None:
                raise ValueError(f"Job {job['metadata']['name']} is not a worker Job")
            body = build_result_configmap(
                briefing, build_simulated_result(briefing, self.worker_seconds), None
            )
            self.core.create_namespaced_config_map(body["metadata"]["namespace"], body)  # type: ignore[arg-type]
            with self.lock:
                self.written += 1
        except Exception as exc:  # counted and reported: one bad Job must not stop the run
            with self.lock:
                self.errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def report(self) -> dict[str, Any]:
        with self.lock:
            return {
                "written": self.written,
                "errors": len(self.errors),
                "first_errors": self.errors[:3],
            }


def count_simulated(outputs: list[str]) -> int:
    """How many workers' published summaries came from the harness's results (pure)."""
    found = 0
    for raw in outputs:
        details = (json.loads(raw or "{}").get("details") or {}).values()
        found += sum(1 for d in details if is_simulated(str((d or {}).get("summary", ""))))
    return found
