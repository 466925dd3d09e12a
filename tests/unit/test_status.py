"""decide(): the reconciler's pure decision over several simulated passes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from core_fixtures import make_definitions

from devops_orchestrator.core.decide import JOB_DEADLINE_GRACE_SECONDS, decide
from devops_orchestrator.core.decision import Decision, Observation, ObservedJob
from devops_orchestrator.core.merge_patch import apply_merge_patch
from devops_orchestrator.models import DevOpsTaskSpec, WorkerResult

D, C, I = "docker-worker", "ci-worker", "infra-worker"  # noqa: E741
T0 = datetime(2026, 11, 23, 21, 0, 0, tzinfo=UTC)
PIPELINE = DevOpsTaskSpec(
    description="Set up complete deployment pipeline for the application",
    requirements=["Containerize the app with a multi-stage Docker build", "Deploy to Kubernetes"],
    context={"cloud_provider": "aws", "workspace": "/workspace"},
)


@dataclass
class Sim:
    """A fake cluster: applies each Decision as the acting side would."""

    spec: DevOpsTaskSpec = field(default_factory=lambda: PIPELINE)
    now: datetime = T0
    status: dict[str, Any] = field(default_factory=dict)
    jobs: dict[str, ObservedJob] = field(default_factory=dict)
    results: dict[str, WorkerResult] = field(default_factory=dict)
    retry_token: str | None = None
    created: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    def observe(self) -> Observation:
        return Observation(
            name="task", namespace="ns", uid="uid-1", generation=1, spec=self.spec,
            status=self.status, created_at=T0, retry_token=self.retry_token,
            jobs=tuple(self.jobs.values()), results=dict(self.results),
            definitions=make_definitions(), now=self.now,
        )  # fmt: skip

    def step(self, seconds: float = 1) -> Decision:
        self.now += timedelta(seconds=seconds)
        decision = decide(self.observe())
        for job in decision.create:
            if job.job_name not in self.jobs:
                self.created.append(job.job_name)
                self.jobs[job.job_name] = ObservedJob(
                    job.job_name, job.worker, job.attempt, active=True, succeeded=False,
                    failed=False, start_time=self.now,
                )  # fmt: skip
        for name in decision.stop:
            self.jobs[name] = replace(
                self.jobs[name], active=False, failed=True, failure_reason="Deleted"
            )
        # the acting side writes the patch only when the decision says it changed
        if decision.changed:
            self.status = apply_merge_patch(self.status, decision.status_patch)
        self.events += [e.reason for e in decision.events]
        return decision

    def running(self) -> list[str]:
        return sorted(j.worker for j in self.jobs.values() if j.active)

    def finish(self, worker: str, ok: bool = True, **extra: Any) -> None:
        (job,) = [j for j in self.jobs.values() if j.worker == worker and j.active]
        self.jobs[job.name] = replace(
            job, active=False, succeeded=ok, failed=not ok, completion_time=self.now,
            failure_reason=None if ok else "BackoffLimitExceeded",
            failure_message=None if ok else f"{worker} crashed",
        )  # fmt: skip
        if ok:
            self.results[job.name] = WorkerResult.model_validate(
                {"files_created": [f"{worker}.txt"], "summary": f"{worker} done", **extra}
            )

    def worker(self, name: str) -> dict[str, Any]:
        return next(w for w in self.status["workers"] if w["name"] == name)


def test_happy_path_over_several_passes() -> None:
    sim = Sim()
    first = sim.step()
    assert sim.status["phase"] == "Running"
    assert sim.status["plan"]["stages"] == [[D], [I], [C]]
    assert sim.status["plan"]["workers"][I]["matched"] == ["aws", "kubernetes", "cloud"]
    assert [j.job_name for j in first.create] == ["task-docker-1"]
    assert first.create[0].deadline_seconds == 1800 + JOB_DEADLINE_GRACE_SECONDS
    assert sim.events == ["Planned", "WorkerStarted"]
    assert sim.status["workersSummary"] == "docker,infra,ci"
    assert sim.status["progress"] == "0/3"
    assert first.requeue_after == 1800

    sim.finish(D, docker_config={"image": "ghcr.io/org/app:1"})
    second = sim.step(60)
    assert [j.job_name for j in second.create] == ["task-infra-1"]
    assert second.create[0].deadline_seconds == 1800 - 60 + JOB_DEADLINE_GRACE_SECONDS
    assert second.create[0].briefing.previous_results[D].summary == "docker-worker done"
    assert "ghcr.io/org/app:1" in second.create[0].briefing.prompt
    assert sim.status["result"]["status"] == "partial"  # partial results exist
    assert sim.status["progress"] == "1/3"

    sim.finish(I)
    third = sim.step()
    assert [j.job_name for j in third.create] == ["task-ci-1"]
    assert set(third.create[0].briefing.previous_results) == {D, I}
    sim.finish(C)
    last = sim.step()
    assert last.finished and last.requeue_after is None and not last.create
    status = sim.status
    assert status["phase"] == "Succeeded"
    assert status["progress"] == "3/3"
    assert status["result"]["status"] == "completed"
    assert status["result"]["workers_used"] == [D, I, C]
    assert status["result"]["deployment_info"] == {"image": "ghcr.io/org/app:1"}
    assert status["completedAt"].endswith("Z") and status["startedAt"] == "2026-11-23T21:00:01Z"
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["Completed"]["status"] == "True"
    assert conditions["Completed"]["reason"] == "Succeeded"
    assert conditions["Running"]["status"] == "False"
    assert sim.events == [
        "Planned", "WorkerStarted", "WorkerSucceeded", "WorkerStarted", "WorkerSucceeded",
        "WorkerStarted", "WorkerSucceeded", "Completed",
    ]  # fmt: skip
    assert sim.created == ["task-docker-1", "task-infra-1", "task-ci-1"]
    assert sim.worker(D)["filesCreated"] == ["docker-worker.txt"]
    assert sim.worker(D)["jobName"] == "task-docker-1" and sim.worker(D)["attempts"] == 1


def test_idempotent_pass_same_decision_no_events_no_change() -> None:
    sim = Sim()
    sim.step()
    obs = sim.observe()
    once, twice = decide(obs), decide(obs)
    assert once == twice
    assert not once.changed and once.events == ()
    # the Job asked for is seen: nothing more is asked
    assert [j.job_name for j in once.create] == []


def test_requested_job_not_yet_seen_is_asked_again_with_the_same_name() -> None:
    sim = Sim()
    first = sim.step()
    sim.jobs.clear()  # the informer has not seen it yet
    again = decide(sim.observe())
    assert [j.job_name for j in again.create] == [first.create[0].job_name]
    assert again.events == () and not again.changed


def test_retry_then_success() -> None:
    sim = Sim(spec=PIPELINE.model_copy(update={"max_retries": 1}))
    sim.step()
    sim.finish(D, ok=False)
    decision = sim.step()
    assert [j.job_name for j in decision.create] == ["task-docker-2"]
    assert sim.worker(D)["phase"] == "Retrying" and sim.worker(D)["attempts"] == 2
    assert sim.events[-1] == "WorkerRetrying"
    sim.step()
    assert sim.worker(D)["phase"] == "Running"
    sim.finish(D)
    sim.step()
    assert sim.worker(D)["phase"] == "Succeeded"
    assert sim.running() == [I]


def test_failure_after_retries_skips_dependants() -> None:
    sim = Sim(spec=PIPELINE.model_copy(update={"max_retries": 1}))
    sim.step()
    sim.finish(D, ok=False)
    sim.step()
    sim.step()
    sim.finish(D, ok=False)
    decision = sim.step()
    assert sim.status["phase"] == "Failed"
    assert sim.worker(D)["phase"] == "Failed"
    assert "docker-worker crashed" in sim.worker(D)["error"]
    assert sim.worker(I)["phase"] == "Skipped" and sim.worker(C)["phase"] == "Skipped"
    assert decision.finished and sim.status["result"]["status"] == "failed"
    assert sim.created == ["task-docker-1", "task-docker-2"]
    assert "WorkerFailed" in sim.events and sim.events[-1] == "Failed"


def test_independent_worker_still_runs_partial_result() -> None:
    # docker and ci only (no infra): ci depends on docker, so use the parallel strategy
    spec = DevOpsTaskSpec(
        description="Containerize the app and add a CI pipeline",
        strategy="parallel", max_retries=0,
    )  # fmt: skip
    sim = Sim(spec=spec)
    sim.step()
    assert sim.running() == [C, D]
    sim.finish(D, ok=False)
    sim.finish(C)
    sim.step()
    assert sim.status["phase"] == "PartiallySucceeded"
    assert sim.status["result"]["status"] == "partial"
    assert "docker-worker failed" in sim.status["message"]
    assert sim.events[-1] == "PartiallySucceeded"


def test_failed_middle_stage_skips_only_its_dependants() -> None:
    sim = Sim(spec=PIPELINE.model_copy(update={"max_retries": 0}))
    sim.step()
    sim.finish(D)
    sim.step()
    sim.finish(I, ok=False)
    sim.step()
    assert sim.status["phase"] == "PartiallySucceeded"
    assert [sim.worker(w)["phase"] for w in (D, I, C)] == ["Succeeded", "Failed", "Skipped"]
    assert "prerequisite infra-worker" in sim.worker(C)["error"]


def test_deadline_stops_running_jobs() -> None:
    sim = Sim(spec=PIPELINE.model_copy(update={"timeout_seconds": 100}))
    sim.step()
    decision = sim.step(200)
    assert decision.stop == ("task-docker-1",)
    assert sim.status["phase"] == "Failed"
    completed = next(c for c in sim.status["conditions"] if c["type"] == "Completed")
    assert completed["reason"] == "DeadlineExceeded"
    assert sim.events[-1] == "DeadlineExceeded"
    assert [sim.worker(w)["phase"] for w in (D, I, C)] == ["Failed", "Skipped", "Skipped"]
    after = sim.step()
    assert after.stop == () and after.events == () and not after.create


def test_cancel_stops_and_is_final() -> None:
    sim = Sim()
    sim.step()
    sim.spec = PIPELINE.model_copy(update={"cancel": True})
    decision = sim.step()
    assert decision.stop == ("task-docker-1",) and decision.finished
    assert sim.status["phase"] == "Cancelled"
    assert sim.events[-1] == "Cancelled"
    assert all(w["phase"] == "Cancelled" for w in sim.status["workers"])
    again = sim.step()
    assert again.create == () and again.events == () and not again.changed


def test_final_is_sticky_and_quiet() -> None:
    sim = Sim(spec=DevOpsTaskSpec(description="Create a Dockerfile"))
    sim.step()
    sim.finish(D)
    sim.step()
    assert sim.status["phase"] == "Succeeded"
    for _ in range(3):
        decision = sim.step(10_000)  # long after the deadline: still Succeeded
        assert not decision.changed and decision.create == () and decision.events == ()
    assert sim.status["phase"] == "Succeeded"


def test_retry_annotation_reruns_failed_and_skipped_with_new_names() -> None:
    sim = Sim(spec=PIPELINE.model_copy(update={"max_retries": 0}))
    sim.step()
    sim.finish(D)
    sim.step()
    sim.finish(I, ok=False)
    sim.step()
    assert sim.status["phase"] == "PartiallySucceeded"
    sim.retry_token = "1"
    decision = sim.step()
    assert [j.job_name for j in decision.create] == ["task-infra-2"]
    assert sim.status["phase"] == "Running" and sim.status["retryToken"] == "1"
    assert "completedAt" not in sim.status
    assert sim.worker(D)["phase"] == "Succeeded"  # kept
    assert sim.events[-2:] == ["RetryRequested", "WorkerStarted"]
    sim.finish(I)
    sim.step()
    assert [j.job_name for j in sim.step().create] == []
    sim.finish(C)
    sim.step()
    assert sim.status["phase"] == "Succeeded"
    assert sim.created == ["task-docker-1", "task-infra-1", "task-infra-2", "task-ci-1"]
    # the same token again changes nothing
    assert not sim.step().changed


def test_retry_token_present_at_creation_is_not_a_retry() -> None:
    sim = Sim(spec=PIPELINE.model_copy(update={"max_retries": 0}), retry_token="x")
    sim.step()
    sim.finish(D, ok=False)
    sim.step()
    assert sim.status["phase"] == "Failed"
    assert not sim.step().create


def test_retry_when_everything_succeeded_only_records_the_token() -> None:
    sim = Sim(spec=DevOpsTaskSpec(description="Create a Dockerfile"))
    sim.step()
    sim.finish(D)
    sim.step()
    sim.retry_token = "again"
    decision = sim.step()
    assert decision.create == () and decision.changed
    assert sim.status["phase"] == "Succeeded" and sim.status["retryToken"] == "again"


def test_no_worker_matched() -> None:
    sim = Sim(spec=DevOpsTaskSpec(description="Write a poem"))
    decision = sim.step()
    assert decision.finished and decision.create == ()
    assert sim.status["phase"] == "Failed"
    assert sim.status["message"].startswith("No worker matched")
    planned = next(c for c in sim.status["conditions"] if c["type"] == "Planned")
    assert (planned["status"], planned["reason"]) == ("False", "NoWorkerMatched")
    assert sim.status["result"]["status"] == "failed"
    assert sim.events == ["NoWorkerMatched"]
    assert not sim.step().changed


def test_plan_is_kept_when_the_spec_changes() -> None:
    sim = Sim()
    sim.step()
    sim.spec = PIPELINE.model_copy(update={"description": "Write a poem", "requirements": []})
    sim.step()
    assert sim.status["plan"]["stages"] == [[D], [I], [C]] and sim.status["phase"] == "Running"


def test_succeeded_job_waits_briefly_for_its_result() -> None:
    sim = Sim(spec=DevOpsTaskSpec(description="Create a Dockerfile"))
    sim.step()
    (job,) = sim.jobs.values()
    sim.jobs[job.name] = replace(job, active=False, succeeded=True, completion_time=sim.now)
    decision = sim.step(5)
    assert sim.status["phase"] == "Running" and decision.requeue_after == pytest.approx(25)
    sim.step(30)
    assert sim.status["phase"] == "Succeeded"
    assert "no result" in sim.worker(D)["summary"]


def test_job_deadline_failure_is_not_retried() -> None:
    sim = Sim(spec=DevOpsTaskSpec(description="Create a Dockerfile", max_retries=3))
    sim.step()
    (job,) = sim.jobs.values()
    sim.jobs[job.name] = replace(job, active=False, failed=True, failure_reason="DeadlineExceeded")
    sim.step()
    assert sim.status["phase"] == "Failed" and sim.created == ["task-docker-1"]


def test_lost_jobs_after_ttl_keep_the_outcome() -> None:
    sim = Sim(spec=DevOpsTaskSpec(description="Create a Dockerfile"))
    sim.step()
    sim.finish(D)
    sim.jobs.clear()  # finished Job removed by its TTL before we looked
    sim.step()
    assert sim.status["phase"] == "Succeeded"
    assert sim.status["result"]["files_created"] == ["docker-worker.txt"]


def test_status_caps_file_lists() -> None:
    sim = Sim(spec=DevOpsTaskSpec(description="Create a Dockerfile"))
    sim.step()
    (job,) = sim.jobs.values()
    sim.finish(D)
    sim.results[job.name] = WorkerResult(files_created=[f"f{i}" for i in range(1000)])
    sim.step()
    assert len(sim.worker(D)["filesCreated"]) == 200
    assert len(sim.status["result"]["files_created"]) == 200
