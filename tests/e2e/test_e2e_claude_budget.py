"""The claude engine in the real operator's worker Jobs, against the strict Messages API
stand-in: a task whose budget is below what its worker needs ends BudgetExceeded with
the usage so far, the worker stopped within it; tokens and cost show in `kubectl get dt`,
`devopsctl get` and `devopsctl transcript`. A worker whose first attempt fails after
spending tokens and whose retry succeeds shows both attempts' usage."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner
from kubernetes import client

from devops_orchestrator.cli import main as devopsctl
from e2e.operator_process import real_worker_settings
from e2e.taskutil import Tasks, wait_for
from fakes.messages_api import MessagesAPIServer

KEY = "sk-ant-e2e-budget-SECRET-0123456789"
OPERATOR_SETTINGS: dict[str, str] = {}
_API = MessagesAPIServer(api_key=KEY)


@pytest.fixture(scope="module", autouse=True)
def messages_api_for_the_workers() -> Iterator[MessagesAPIServer]:
    """Started before the module's operator, which passes its endpoint to the workers."""
    module: ModuleType = sys.modules[__name__]
    module.OPERATOR_SETTINGS.update(
        {**real_worker_settings(), "DEVOPS_ANTHROPIC_BASE_URL": _API.base_url}
    )
    with _API:
        yield _API


def _give_the_key(tasks: Tasks, kube_api: client.ApiClient) -> None:
    client.CoreV1Api(kube_api).create_namespaced_secret(
        tasks.namespace,
        client.V1Secret(
            metadata=client.V1ObjectMeta(name="anthropic-api-key"),
            string_data={"ANTHROPIC_API_KEY": KEY},
        ),
    )


def _billed(requests: list[Any]) -> int:
    return sum(
        r.usage.get(k, 0)
        for r in requests
        for k in (
            "input_tokens",
            "output_tokens",
            "cache_read_input_tokens",
            "cache_creation_input_tokens",
        )
    )


def test_a_task_over_its_budget_ends_budget_exceeded(
    tasks: Tasks, cluster: Any, kube_api: client.ApiClient
) -> None:
    _give_the_key(tasks, kube_api)
    # A model that would look around forever: only the budget stops it.
    _API.reply_until_forced("Glob", {"pattern": "*"}, {"summary": "stopped by the budget"})
    tasks.create(
        "budgeted",
        description="Containerize the Node.js app with a Dockerfile",
        workers=["docker-worker"],
        engine="claude",
        maxRetries=0,
        budget={"maxCostUSD": 0.03},
    )

    status = tasks.wait_final("budgeted", timeout=240)

    assert status["phase"] == "Failed", tasks.describe("budgeted")
    completed = next(c for c in status["conditions"] if c["type"] == "Completed")
    assert completed["reason"] == "BudgetExceeded"
    usage = status["usage"]
    assert 0 < usage["costUSD"] <= 0.03  # the worker stopped within the budget
    assert usage["tokens"] == _billed(_API.requests)
    assert len(_API.requests) > 2 and _API.pending == 0
    assert status["result"]["usage"]["cost_usd"] == pytest.approx(usage["costUSD"], abs=1e-6)
    wait_for(
        "the BudgetExceeded event",
        lambda: any(e.reason == "BudgetExceeded" for e in tasks.events("budgeted")),
        60,
    )

    table = cluster.kubectl("get", "dt", "budgeted", "-n", tasks.namespace)
    header, row = table.stdout.splitlines()
    assert header.split()[:6] == ["NAME", "PHASE", "PROGRESS", "WORKERS", "TOKENS", "COST"]
    assert row.split()[4] == str(usage["tokens"])

    kubeconfig = str(cluster.kubeconfig)
    runner = CliRunner()
    base = ["--kubeconfig", kubeconfig]
    listed = runner.invoke(devopsctl, [*base, "--json", "get", "-n", tasks.namespace])
    (row_json,) = [r for r in json.loads(listed.output) if r["name"] == "budgeted"]
    assert row_json["tokens"] == usage["tokens"]
    assert row_json["cost_usd"] == round(usage["costUSD"], 4)
    shown = runner.invoke(devopsctl, [*base, "transcript", "budgeted", "-n", tasks.namespace])
    assert shown.exit_code == 0, shown.output
    assert "submit_forced limit=cost" in shown.output
    assert KEY not in shown.output


def test_a_failed_attempt_counts_in_its_worker(tasks: Tasks, kube_api: client.ApiClient) -> None:
    _give_the_key(tasks, kube_api)
    before = len(_API.requests)
    _API.reply_refusal("No.", explanation="not this one")  # attempt 1 fails, having spent
    _API.reply_tool_use("Write", {"path": "Dockerfile", "content": "FROM scratch\n"})
    _API.reply_submit({"summary": "Wrote a Dockerfile"})
    tasks.create(
        "retried",
        description="Containerize the Node.js app with a Dockerfile",
        workers=["docker-worker"],
        engine="claude",
        maxRetries=1,
    )

    status = tasks.wait_final("retried", timeout=240)

    assert status["phase"] == "Succeeded", tasks.describe("retried")
    (worker,) = status["workers"]
    assert worker["attempts"] == 2 and worker["usageThroughAttempt"] == 2
    first, *second = _API.requests[before:]
    assert len(second) == 2 and _billed([first]) > 0
    assert worker["usage"]["tokens"] == _billed([first, *second])  # both attempts
    assert status["usage"] == worker["usage"]  # the task: its one worker
    assert status["result"]["usage"]["total_tokens"] == worker["usage"]["tokens"]
