"""We answer only for what we took (core/answering.py)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from devops_orchestrator import constants as c
from devops_orchestrator.core.answering import has_redis_work, publish_task_id

TID = str(uuid.uuid4())


def body(
    *,
    name: str = f"t-{TID}",
    namespace: str = "ops",
    source: str | None = "redis",
    annotated: str | None = TID,
    spec: dict[str, Any] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "uid": "u-1"}
    if source:
        meta["labels"] = {c.LABEL_SOURCE: source}
    if annotated:
        meta["annotations"] = {c.ANNOTATION_TASK_ID: annotated}
    return {"metadata": meta, "spec": {"description": "x", "taskId": TID, **(spec or {})}}


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        (body(), TID),
        (body(namespace="team-a"), None),  # copied markers elsewhere
        (body(name="my-task"), None),  # name not derived from the id
        (body(source=None), None),
        (body(annotated=None), None),
        (body(spec={"taskId": "other"}), None),
        (body(source=None, annotated=None, name="x", spec={"taskId": None}), None),  # uid never
        (body(source=None, annotated=None, name="x", spec={"publish": True}), TID),
        (body(source=None, name="x", spec={"publish": True, "taskId": "a:logs"}), None),
        (body(source=None, name="x", spec={"publish": "true"}), None),
    ],
)
def test_publish_task_id(task: dict[str, Any], expected: str | None) -> None:
    assert publish_task_id(task, intake_namespace="ops") == expected


def test_only_tasks_with_an_answer_due_reach_the_bridge() -> None:
    """The watch hook asks this in the event loop: finished, answered tasks and tasks we
    do not answer for (thousands at start-up) cost no thread hop."""
    assert has_redis_work(body(), intake_namespace="ops")
    published = body()
    published["metadata"]["annotations"][c.ANNOTATION_REDIS_PUBLISHED] = "true"
    assert not has_redis_work(published, intake_namespace="ops")
    assert not has_redis_work(body(source=None), intake_namespace="ops")  # kubectl, no publish
