"""devopsctl submit / status / logs / wait: the network's side of the Redis protocol."""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import click

from devops_orchestrator import constants as c
from devops_orchestrator.adapters import network_results, task_queue
from devops_orchestrator.adapters.redis_client import Client
from devops_orchestrator.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Context,
    emit,
    fail,
    json_option,
    reaching,
)
from devops_orchestrator.core.task_message import build_task_json
from devops_orchestrator.models import Priority

FINAL = (c.STATUS_COMPLETED, c.STATUS_FAILED)
POLL_SECONDS = 0.5


def _exit_code(result: dict[str, str]) -> int:
    return EXIT_FAILED if result.get("status") == c.STATUS_FAILED else EXIT_OK


def _render_result(result: dict[str, str]) -> str:
    lines = [
        f"{key}: {result[key]}"
        for key in ("task_id", "status", "started_at", "completed_at", "error")
        if key in result
    ]
    if "output" in result:
        try:
            output = json.loads(result["output"])
            lines.append(f"result: {output.get('status')} - {output.get('summary', '')}")
            for name in output.get("files_created", []):
                lines.append(f"  + {name}")
            for name in output.get("files_modified", []):
                lines.append(f"  ~ {name}")
        except ValueError:
            lines.append(f"output: {result['output']}")
    return "\n".join(lines)


def _follow(
    client: Client, task_id: str, *, show_logs: bool, timeout: float | None
) -> dict[str, str]:
    """Print log lines as they arrive until the task is final; the final hash."""
    seen = 0
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        result = network_results.read_result(client, task_id)
        lines = network_results.read_logs(client, task_id, seen)
        if show_logs:
            for line in lines:
                click.echo(line)
        seen += len(lines)
        if result.get("status") in FINAL:
            return result
        if deadline is not None and time.monotonic() > deadline:
            fail(
                f"task {task_id} not finished after {timeout:g}s "
                f"(status {result.get('status', 'unknown')})"
            )
        time.sleep(POLL_SECONDS)


@click.command()
@click.argument("description")
@click.option("-r", "--requirement", "requirements", multiple=True, help="A requirement (repeat)")
@click.option("--context", "context_json", default="{}", help="Context as a JSON object")
@click.option("--priority", type=click.Choice([p.value for p in Priority]), default="normal")
@click.option(
    "--timeout",
    "timeout_seconds",
    type=click.IntRange(min=1),
    default=300,
    help="metadata.timeout_seconds",
)
@click.option("--wait", "wait_", is_flag=True, help="Show progress until the result")
@json_option
@click.pass_obj
def submit(
    ctx: Context,
    description: str,
    requirements: tuple[str, ...],
    context_json: str,
    priority: str,
    timeout_seconds: int,
    wait_: bool,
) -> None:
    """Queue a task exactly as the network's producer does; print its id."""
    try:
        context = json.loads(context_json)
    except ValueError as exc:
        fail(f"--context is not JSON: {exc}", EXIT_USAGE)
    if not isinstance(context, dict):
        fail("--context must be a JSON object", EXIT_USAGE)
    if not description.strip():
        fail("the description is empty", EXIT_USAGE)
    task_id = str(uuid.uuid4())
    task_json = build_task_json(
        description,
        requirements=list(requirements),
        context=context,
        priority=priority,
        timeout_seconds=timeout_seconds,
        source="devopsctl",
        now=datetime.now(UTC),
        task_id=task_id,
    )
    client = ctx.redis()
    with reaching("submitting the task"):
        task_queue.submit(client, task_id, task_json)
    if not wait_:
        emit(ctx, {"task_id": task_id}, lambda: task_id)
        return
    if not ctx.as_json:
        click.echo(f"submitted {task_id}")
    with reaching("waiting for the result"):
        result = _follow(client, task_id, show_logs=not ctx.as_json, timeout=None)
    emit(ctx, _decoded(result), lambda: _render_result(result))
    raise SystemExit(_exit_code(result))


def _decoded(result: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = dict(result)
    if "output" in data:
        with contextlib.suppress(ValueError):
            data["output"] = json.loads(data["output"])
    return data


@click.command()
@click.argument("task_id")
@json_option
@click.pass_obj
def status(ctx: Context, task_id: str) -> None:
    """The task's result hash; exit 1 when it failed."""
    with reaching("reading the result"):
        result = network_results.read_result(ctx.redis(), task_id)
    if not result:
        fail(f"no task {task_id} in Redis")
    emit(ctx, _decoded(result), lambda: _render_result(result))
    raise SystemExit(_exit_code(result))


@click.command()
@click.argument("task_id")
@click.option("-f", "--follow", is_flag=True, help="Keep printing until the task is final")
@json_option
@click.pass_obj
def logs(ctx: Context, task_id: str, follow: bool) -> None:
    """The task's milestone log lines."""
    client = ctx.redis()
    with reaching("reading the logs"):
        if follow and not ctx.as_json:
            result = _follow(client, task_id, show_logs=True, timeout=None)
            raise SystemExit(_exit_code(result))
        if follow:
            _follow(client, task_id, show_logs=False, timeout=None)
        lines = network_results.read_logs(client, task_id)
    emit(ctx, lines, lambda: "\n".join(lines))


@click.command()
@click.argument("task_id")
@click.option("--timeout", type=float, default=None, help="Give up after this many seconds")
@json_option
@click.pass_obj
def wait(ctx: Context, task_id: str, timeout: float | None) -> None:
    """Block until the task is final; exit 0 completed, 1 failed."""
    client = ctx.redis()
    with reaching("waiting for the result"):
        if not network_results.has_result(client, task_id):
            fail(f"no task {task_id} in Redis")
        result = _follow(client, task_id, show_logs=False, timeout=timeout)
    emit(ctx, _decoded(result), lambda: _render_result(result))
    raise SystemExit(_exit_code(result))
