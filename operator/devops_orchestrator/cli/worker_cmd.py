"""`devopsctl worker run`: one worker on a local folder, through the same code path as a
worker Job (`worker.runner.run_worker`), without a cluster. Exit codes: 0 the worker
ran (its findings are in `issues`), 1 it failed, 2 usage."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

from devops_orchestrator.definitions import DefinitionError, load_definitions
from devops_orchestrator.models import Briefing, EngineName, WorkerResult
from devops_orchestrator.worker.engine import EngineError
from devops_orchestrator.worker.gitops import GitError
from devops_orchestrator.worker.runner import run_worker


@click.group("worker")
def worker_group() -> None:
    """Run workers locally (the code a worker Job runs)."""


def _context(_: click.Context, __: click.Parameter, value: str | None) -> dict[str, Any]:
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise click.BadParameter("must be a JSON object")
    return parsed


def _task_name(workspace: Path) -> str:
    name = re.sub(r"[^a-z0-9-]+", "-", workspace.resolve().name.lower()).strip("-")
    return f"local-{name or 'task'}"[:50]


@worker_group.command("run")
@click.argument("worker")
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder the worker reads and writes (created when missing)",
)
@click.option("--description", required=True, help="What to do")
@click.option("--requirement", "requirements", multiple=True, help="One requirement; repeatable")
@click.option("--context-json", "context", callback=_context, help="Context as a JSON object")
@click.option(
    "--engine",
    type=click.Choice(["auto", "generator", "claude"]),
    default="auto",
    show_default=True,
    help="auto: claude when ANTHROPIC_API_KEY is set",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON")
def run_command(
    worker: str,
    workspace: Path,
    description: str,
    requirements: tuple[str, ...],
    context: dict[str, Any],
    engine: str,
    as_json: bool,
) -> None:
    """Run WORKER (docker-worker, ci-worker, infra-worker, ...) on a local folder."""
    try:
        known = [d.name for d in load_definitions()]
    except DefinitionError as exc:
        raise click.ClickException(str(exc)) from exc
    if worker not in known:
        raise click.UsageError(f"unknown worker {worker!r}; known: {', '.join(known)}")
    briefing = Briefing(
        task_name=_task_name(workspace),
        namespace="local",
        worker=worker,
        description=description,
        requirements=list(requirements),
        context=context,
        engine=EngineName(engine),
    )
    try:
        result = run_worker(briefing, workspace)
    except (EngineError, DefinitionError, GitError, OSError) as exc:
        raise click.ClickException(f"{worker} failed: {exc}") from exc
    if as_json:
        click.echo(result.model_dump_json(indent=2, exclude_none=True))
    else:
        click.echo(render_text(worker, result))


def render_text(worker: str, result: WorkerResult) -> str:
    lines = [f"{worker} ({result.engine}): {result.summary}"]
    lines += [f"  created  {path}" for path in result.files_created]
    lines += [f"  modified {path}" for path in result.files_modified]
    for issue in result.issues:
        where = f"{issue.file}:{issue.line}" if issue.line else (issue.file or "")
        lines.append(
            f"  {issue.severity.value:<7} {issue.validator or '-'} {where} "
            f"{issue.rule or ''} {issue.message}".rstrip()
        )
    return "\n".join(lines)
