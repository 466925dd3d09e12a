"""Pure: a raw queue item -> TaskMessage or a dead-letter reason; the mapping to a
DevOpsTask; the result fields and milestones. No Redis needed."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devops_orchestrator import constants as c
from devops_orchestrator.core.redis_result import (
    build_final_fields,
    build_milestones,
    format_log_line,
    task_id_of,
)
from devops_orchestrator.core.task_mapping import build_task_manifest, build_task_name
from devops_orchestrator.core.task_message import (
    DeadLetter,
    build_dead_letter,
    build_task_json,
    parse_task_item,
)
from devops_orchestrator.models import TaskMessage

NOW = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)
GOOD: dict[str, Any] = {
    "task_id": "6f1c2a8e-3d4b-4c5d-8e9f-0a1b2c3d4e5f",
    "type": "task_assignment",
    "source": "main-orchestrator",
    "destination": "devops",
    "timestamp": "2026-11-23T21:00:00.000000+00:00",
    "payload": {
        "description": "Set up complete deployment pipeline for the application",
        "requirements": ["Multi-stage build", "Non-root user"],
        "context": {"project_type": "nodejs"},
    },
    "metadata": {"priority": "normal", "timeout_seconds": 300},
}


def _with(path: str, value: Any) -> str:
    data = json.loads(json.dumps(GOOD))
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node[part]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return json.dumps(data)


_DELETE = object()

CASES = [
    ("not json", b"{nope", "not JSON", None),
    ("not utf-8", b"\xff\xfe{}", "not valid UTF-8", None),
    ("array", b"[1, 2]", "not a JSON object", None),
    ("no task_id", _with("task_id", _DELETE).encode(), "missing task_id", None),
    ("task_id int", _with("task_id", 7).encode(), "task_id is not a string", None),
    ("task_id empty", _with("task_id", " ").encode(), "empty task_id", None),
    ("task_id spaces", _with("task_id", "a b").encode(), "whitespace", None),
    ("no payload", _with("payload", _DELETE).encode(), "missing payload", GOOD["task_id"]),
    ("payload str", _with("payload", "x").encode(), "payload is not an object", GOOD["task_id"]),
    (
        "no description",
        _with("payload.description", _DELETE).encode(),
        "missing payload.description",
        GOOD["task_id"],
    ),
    (
        "empty description",
        _with("payload.description", "  ").encode(),
        "empty payload.description",
        GOOD["task_id"],
    ),
    ("description int", _with("payload.description", 5).encode(), "not a string", GOOD["task_id"]),
    (
        "huge description",
        _with("payload.description", "x" * 9000).encode(),
        "too long",
        GOOD["task_id"],
    ),
    (
        "requirements str",
        _with("payload.requirements", "abc").encode(),
        "requirements",
        GOOD["task_id"],
    ),
    ("context list", _with("payload.context", [1]).encode(), "context", GOOD["task_id"]),
    (
        "priority",
        _with("metadata.priority", "urgent").encode(),
        "unknown metadata.priority",
        GOOD["task_id"],
    ),
    (
        "timeout str",
        _with("metadata.timeout_seconds", "300").encode(),
        "timeout_seconds",
        GOOD["task_id"],
    ),
    (
        "timeout negative",
        _with("metadata.timeout_seconds", -1).encode(),
        "timeout_seconds",
        GOOD["task_id"],
    ),
    ("metadata list", _with("metadata", []).encode(), "metadata is not an object", GOOD["task_id"]),
    (
        "oversized item",
        b'{"task_id": "x", "pad": "' + b"y" * 300_000 + b'"}',
        "too large",
        "x",
    ),  # still answered
]


@pytest.mark.parametrize(
    ("raw", "reason", "task_id"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_items_get_a_reason(raw: bytes, reason: str, task_id: str | None) -> None:
    parsed = parse_task_item(raw, max_description_chars=8000)
    assert isinstance(parsed, DeadLetter)
    assert reason in parsed.reason
    assert parsed.task_id == task_id


def test_a_good_item_parses() -> None:
    parsed = parse_task_item(json.dumps(GOOD).encode(), max_description_chars=8000)
    assert isinstance(parsed, TaskMessage)
    assert parsed.task_id == GOOD["task_id"]
    assert parsed.payload.requirements == ["Multi-stage build", "Non-root user"]


def test_optional_fields_default() -> None:
    raw = json.dumps({"task_id": "t1", "payload": {"description": "build it"}})
    parsed = parse_task_item(raw, max_description_chars=8000)
    assert isinstance(parsed, TaskMessage)
    assert parsed.metadata.priority == "normal"


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(st.text(max_size=10), inner, max_size=4)
            ),
            max_leaves=20,
        ).map(lambda v: json.dumps(v).encode()),
    )
)
def test_garbage_never_raises(raw: bytes) -> None:
    parsed = parse_task_item(raw, max_description_chars=8000)
    assert isinstance(parsed, DeadLetter | TaskMessage)
    envelope = json.loads(build_dead_letter(raw, DeadLetter("x"), agent_id="a", now=NOW))
    assert envelope["reason"] == "x"


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_names_are_deterministic_dns_names(task_id: str) -> None:
    name = build_task_name(task_id)
    assert name == build_task_name(task_id)
    assert len(name) <= 63
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name)


def test_names_of_distinct_ids_differ() -> None:
    ids = ["abc", "ABC", "a-b-c", "a_b_c", "a.b.c", "x" * 50, "x" * 51, GOOD["task_id"]]
    assert len({build_task_name(i) for i in ids}) == len(ids)
    assert build_task_name(GOOD["task_id"]) == "t-" + GOOD["task_id"]


def test_manifest_maps_the_message() -> None:
    raw = _with("metadata", {"priority": "high", "timeout_seconds": 999999})
    message = TaskMessage.model_validate_json(raw)
    manifest = build_task_manifest(message, raw, namespace="ns", agent_id="devops-a")
    spec = manifest["spec"]
    assert manifest["metadata"]["name"] == build_task_name(GOOD["task_id"])
    assert manifest["metadata"]["annotations"][c.ANNOTATION_TASK_MESSAGE] == raw
    assert spec["priority"] == "high" and spec["timeoutSeconds"] == 86400
    assert spec["taskId"] == GOOD["task_id"]
    assert spec["requirements"] == GOOD["payload"]["requirements"]
    short = TaskMessage.model_validate_json(_with("metadata.timeout_seconds", 1))
    assert (
        build_task_manifest(short, "", namespace="n", agent_id="a")["spec"]["timeoutSeconds"] == 10
    )


def test_producer_json_round_trips() -> None:
    raw = build_task_json(
        "deploy",
        requirements=["r"],
        context={"a": 1},
        priority="low",
        timeout_seconds=60,
        source="devopsctl",
        now=NOW,
        task_id="id-1",
    )
    parsed = parse_task_item(raw.encode(), max_description_chars=8000)
    assert isinstance(parsed, TaskMessage)
    assert json.loads(raw)["destination"] == "devops"


RESULT = {
    "status": "partial",
    "workers_used": ["docker-worker"],
    "files_created": ["Dockerfile"],
    "files_modified": [],
    "summary": "1/2",
    "issues": [],
    "deployment_info": {},
    "details": {},
}


@pytest.mark.parametrize(
    ("phase", "result", "status", "error"),
    [
        ("Succeeded", {**RESULT, "status": "completed"}, "completed", None),
        ("PartiallySucceeded", RESULT, "completed", None),
        ("Failed", {**RESULT, "status": "failed"}, "failed", "boom"),
        ("Failed", None, "failed", "boom"),
        ("Cancelled", RESULT, "failed", "cancelled"),
    ],
)
def test_final_fields(phase: str, result: Any, status: str, error: str | None) -> None:
    fields = build_final_fields("id", {"phase": phase, "result": result, "message": "boom"}, NOW)
    assert fields["status"] == status
    assert fields.get("error") == error
    output = json.loads(fields["output"])
    assert output["status"] in ("completed", "partial", "failed")
    if phase == "PartiallySucceeded":
        assert output["status"] == "partial"
    assert set(fields) <= {"task_id", "status", "output", "completed_at", "error"}


def test_milestones_follow_the_status() -> None:
    status = {
        "phase": "Succeeded",
        "plan": {"stages": [["docker-worker"], ["ci-worker"]]},
        "workers": [
            {
                "name": "docker-worker",
                "phase": "Succeeded",
                "jobName": "j1",
                "attempts": 1,
                "firstAttempt": 1,
            },
            {
                "name": "ci-worker",
                "phase": "Running",
                "jobName": "j2",
                "attempts": 2,
                "firstAttempt": 1,
            },
        ],
        "result": RESULT,
    }
    keys = [m.key for m in build_milestones({"description": "d"}, status)]
    assert keys == [
        "received",
        "planned",
        "started:docker-worker:1",
        "finished:docker-worker",
        "started:ci-worker:2",
        "completed",
    ]
    assert format_log_line(NOW, "x") == "[2026-11-23T21:00:00+00:00] x"


def test_task_id_of_kubectl_task_is_the_uid() -> None:
    assert task_id_of({"metadata": {"uid": "u-1"}, "spec": {}}) == "u-1"
    assert task_id_of({"metadata": {"uid": "u-1"}, "spec": {"taskId": "t"}}) == "t"
