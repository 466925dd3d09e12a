"""A task on a shared workspace waits its turn, or gives up, before it decides anything
(pure: the writer table and the decision over simulated passes, fixed `now`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from core_fixtures import make_definitions

from devops_orchestrator.core.decide import decide
from devops_orchestrator.core.decision import Decision, Observation
from devops_orchestrator.core.merge_patch import apply_merge_patch
from devops_orchestrator.core.network_workspace import SharedWorkspace, WorkspacePathError
from devops_orchestrator.core.redis_result import build_final_fields, build_milestones
from devops_orchestrator.core.task_workspace import build_task_workspace
from devops_orchestrator.core.workspace_gate import build_writer, describe_workspace, gate
from devops_orchestrator.core.workspace_lock import WriterTable, decide_lock, release_lock
from devops_orchestrator.models import DevOpsTaskSpec

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
WAIT = 60.0
SPEC = DevOpsTaskSpec.model_validate(
    {
        "description": "Containerize the app with a Dockerfile",
        "context": {"workspace": "/workspace/api"},
        "workspace": {"volume": {"claimName": "net", "subPath": "api"}},
    }
)


def observe(name: str, status: dict[str, Any], now: datetime) -> Observation:
    return Observation(
        name=name, namespace="ns", uid=f"uid-{name}", generation=1, spec=SPEC, status=status,
        created_at=T0, retry_token=None, jobs=(), results={}, definitions=make_definitions(),
        now=now,
    )  # fmt: skip


def task(name: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "uid": f"uid-{name}"}}


class Passes:
    """Two tasks sharing one writer table, passing as the reconciler would."""

    def __init__(self) -> None:
        self.table = WriterTable()
        self.status: dict[str, dict[str, Any]] = {"a": {}, "b": {}}

    def step(self, name: str, now: datetime) -> Decision:
        obs = observe(name, self.status[name], now)
        writer = build_writer(task(name), SPEC, now)
        assert writer is not None
        lock = decide_lock(self.table, writer, gone=(), now=now, max_wait_seconds=WAIT)
        self.table = lock.table
        decision = gate(obs, lock, max_wait_seconds=WAIT) or decide(obs)
        self.status[name] = apply_merge_patch(self.status[name], decision.status_patch)
        return decision


def test_the_later_task_waits_visibly_and_starts_once_the_workspace_is_free() -> None:
    passes = Passes()
    first = passes.step("a", T0)
    assert [job.worker for job in first.create] == ["docker-worker"]
    waiting = passes.step("b", T0 + timedelta(seconds=1))
    assert waiting.create == () and not waiting.finished and waiting.requeue_after == 2.0
    status = passes.status["b"]
    assert status["phase"] == "Pending"
    message = "waiting for the workspace /workspace/api: a is writing there (waits at most 60s)"
    assert status["message"] == message
    assert [e.reason for e in waiting.events] == ["WaitingForWorkspace"]
    lines = [m.text for m in build_milestones(SPEC.model_dump(), status)]
    assert message in lines
    again = passes.step("b", T0 + timedelta(seconds=20))
    assert again.status_patch == {} and again.events == () and again.create == ()
    passes.table = release_lock(passes.table, "uid-a")  # a is final
    turn = passes.step("b", T0 + timedelta(seconds=30))
    assert [job.worker for job in turn.create] == ["docker-worker"]
    assert passes.status["b"]["phase"] == "Running"
    assert passes.status["b"]["startedAt"] == "2026-12-01T12:00:30Z"  # the deadline starts now


def test_past_the_wait_the_task_fails_with_the_reason() -> None:
    passes = Passes()
    passes.step("a", T0)
    passes.step("b", T0)
    late = passes.step("b", T0 + timedelta(seconds=WAIT))
    assert late.finished and late.create == ()
    status = passes.status["b"]
    assert status["phase"] == "Failed"
    reason = "gave up waiting for the workspace /workspace/api: a was still writing there after 60s"
    assert status["message"] == reason
    fields = build_final_fields("id-b", status, T0)
    assert fields["status"] == "failed" and fields["error"] == reason
    assert passes.table.waiting == ()  # it no longer holds anyone up


def test_a_started_task_that_lost_its_entry_holds_still() -> None:
    passes = Passes()
    passes.step("a", T0)
    started = passes.status["a"]
    passes.table = WriterTable()  # someone emptied the table; b took the workspace
    passes.step("b", T0 + timedelta(seconds=1))
    decision = passes.step("a", T0 + timedelta(seconds=2))
    assert decision.status_patch == {} and decision.create == () and decision.stop == ()
    assert passes.status["a"] == started


def test_tasks_without_a_shared_volume_are_not_gated() -> None:
    plain = DevOpsTaskSpec(description="x")
    assert build_writer(task("a"), plain, T0) is None
    assert describe_workspace(plain) == "(none)"
    obs = observe("a", {}, T0)
    assert gate(obs, None, max_wait_seconds=WAIT) is None


SHARED = SharedWorkspace("net", "/workspace")


@pytest.mark.parametrize(
    ("context", "shared", "expected"),
    [
        ({}, None, None),
        ({"workspace": "/workspace/api"}, None, None),
        ({"workspace": "/workspace/a"}, SHARED, {"volume": {"claimName": "net", "subPath": "a"}}),
        ({}, SHARED, {"volume": {"claimName": "net", "subPath": ""}}),
        ({"repository": "https://h/r.git", "workspace": "/workspace/api"}, SHARED,
         {"git": {"url": "https://h/r.git", "ref": "main"}}),
    ],
)  # fmt: skip
def test_the_task_workspace_follows_the_context(
    context: dict[str, Any], shared: SharedWorkspace | None, expected: dict[str, Any] | None
) -> None:
    assert build_task_workspace(context, shared) == expected


def test_a_malformed_workspace_is_refused_with_or_without_a_shared_volume() -> None:
    for shared in (None, SHARED):
        with pytest.raises(WorkspacePathError, match=r"'\.\.'"):
            build_task_workspace({"workspace": "/workspace/../etc"}, shared)
