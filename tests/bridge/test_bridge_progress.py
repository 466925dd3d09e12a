"""Tool-level progress of a running worker (issue 10 item 5), end to end: the real
operator follows the real claude worker's pod log while the strict Messages API stand-in
scripts its tool calls; the producer sees rate-limited progress lines in the task's log
list, in the protocol's exact format, and the task gets WorkerProgress Events. A hostile
tool argument (a line break and a forged log line, the worker's API key, a token the
worker never knew) reaches neither raw."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest
import redis
from kubernetes import client

from devops_orchestrator.core.task_mapping import build_task_name
from e2e.operator_process import real_worker_settings
from fakes.messages_api import MessagesAPIServer
from fixtures_stack import Stack
from go_ahead import go_file as go_file  # the fixture
from polling import wait_for
from producer.producer import LOG_LINE, Producer, make_task

API_KEY = "sk-ant-api03-ProgressKey-Zx8Cv6Bn4Mq2Wr0Ty7Ui5"
UNKNOWN_TOKEN = "ghp_" + "N0tKn0wnT0TheWorker01234"  # no secret of the worker's: not redacted there
FORGED = "[2026-01-01T00:00:00+00:00] FORGED"
# The worker shows the first 80 characters of a command: the token and the forged line fit.
HOSTILE = f"echo {UNKNOWN_TOKEN}\n{FORGED}\r\x1b[2K {API_KEY}; sleep 1.5"
HELD = re.compile(r"… and (\d+) more tool calls?$")
PROGRESS = re.compile(r"^\[(?P<at>[^\]]+)\] docker-worker: (?P<text>.+)$")
INTERVAL = 1.0
MAX_EVENTS = 3


@pytest.fixture
def messages_api() -> Iterator[MessagesAPIServer]:
    with MessagesAPIServer(api_key=API_KEY) as server:
        yield server


def _script(api: MessagesAPIServer, go: Path) -> None:
    """Seven tool calls: the first, a wait until the test saw it relayed (so the rest runs
    while the operator follows), two quick ones, a slow one, a quick one, the hostile one."""
    api.reply_tool_use("Glob", {"pattern": "*"})
    wait = f"for i in $(seq 1200); do [ -e {go} ] && break; sleep 0.1; done"
    api.reply_tool_use("Bash", {"command": wait})
    api.reply_tool_use("Grep", {"pattern": "node", "path": "."})
    api.reply_tool_use("Glob", {"pattern": "**/*.json"})
    api.reply_tool_use("Bash", {"command": "sleep 1.5"})
    api.reply_tool_use(
        "Write", {"path": "Dockerfile", "content": 'FROM node:20-alpine\nUSER node\nCMD ["node"]\n'}
    )
    api.reply_tool_use("Bash", {"command": HOSTILE})
    api.reply_submit({"summary": "Wrote a Dockerfile"})


def test_running_workers_report_tool_progress_rate_limited(
    stack: Stack,
    producer: Producer,
    redis_client: redis.Redis,
    messages_api: MessagesAPIServer,
    go_file: Path,
) -> None:
    core = client.CoreV1Api(stack.api)
    core.create_namespaced_secret(
        stack.namespace,
        client.V1Secret(
            metadata=client.V1ObjectMeta(name="anthropic-api-key"),
            string_data={"ANTHROPIC_API_KEY": API_KEY},
        ),
    )
    _script(messages_api, go_file)
    stack.operator(
        **real_worker_settings(),
        DEVOPS_ANTHROPIC_BASE_URL=messages_api.base_url,
        DEVOPS_PROGRESS_INTERVAL_SECONDS=str(INTERVAL),
        DEVOPS_PROGRESS_EVENT_INTERVAL_SECONDS="2",
        DEVOPS_PROGRESS_MAX_EVENTS=str(MAX_EVENTS),
    )
    task_id = producer.submit(
        make_task(
            "Containerize the Node.js app with a Dockerfile", context={"project_type": "nodejs"}
        )
    )
    wait_for(
        "the first tool call relayed",
        lambda: any("docker-worker: Glob * (" in line for line in producer.logs(task_id)),
        120,
        stack.log_tail,
    )
    go_file.touch()
    result = producer.wait([task_id], timeout=180)[task_id]
    assert result["status"] == "completed", (result, stack.log_tail())
    assert messages_api.pending == 0

    logs = producer.logs(task_id)
    assert all(re.match(LOG_LINE, line) for line in logs), logs
    progress = [m for m in map(PROGRESS.match, logs) if m and "(" in m["text"]]
    texts = [m["text"] for m in progress]
    # Rate-limited: fewer lines than the seven tool calls, at least the interval apart,
    # the first call first, and the calls held back counted in the next line.
    assert 3 <= len(progress) < 7, logs
    times = [datetime.fromisoformat(m["at"]) for m in progress]
    assert all((b - a).total_seconds() >= INTERVAL * 0.9 for a, b in pairwise(times)), logs
    assert texts[0].startswith("Glob * ("), texts
    held = [int(m[1]) for t in texts if (m := HELD.search(t))]
    assert held and len(progress) + sum(held) <= 7, texts
    # Progress comes while the task runs: before the final milestone, never after.
    completed = next(i for i, line in enumerate(logs) if "] completed:" in line)
    assert logs.index(progress[-1].string) < completed, logs

    # The hostile argument: one line of ours, no control character, no secret.
    hostile = next(t for t in texts if t.startswith("Bash echo "))
    assert FORGED in hostile and "[redacted]" in hostile, hostile
    text = "\n".join(logs)
    assert API_KEY not in text and UNKNOWN_TOKEN not in text and "\x1b" not in text
    assert not any(line.startswith("[2026-01-01T00:00:00") for line in logs)

    # Events on the DevOpsTask, fewer still.
    name = build_task_name(task_id)
    events = wait_for(
        "WorkerProgress events",
        lambda: [e for e in stack.tasks.events(name) if e.reason == "WorkerProgress"],
        30,
        stack.log_tail,
    )
    assert 1 <= len(events) <= MAX_EVENTS
    assert events[0].type == "Normal"
    assert any(e.message.startswith("docker-worker: Glob * (") for e in events), events
    for event in events:
        assert API_KEY not in event.message and UNKNOWN_TOKEN not in event.message
        assert event.message.isprintable()
