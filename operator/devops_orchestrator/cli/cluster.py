"""devopsctl get / artifacts: DevOpsTasks and their generated files, from the cluster."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import click

from devops_orchestrator import constants as c
from devops_orchestrator.adapters import kube, tasks
from devops_orchestrator.cli.common import Context, emit, fail, json_option, reaching
from devops_orchestrator.core.jobs import build_task_label_value
from devops_orchestrator.core.output_artifacts import parse_artifact_files
from devops_orchestrator.core.redis_result import task_id_of
from devops_orchestrator.core.spend import read_usage
from devops_orchestrator.core.status import (
    parse_time,
    read_progress,
    read_status,
    render_plan_summary,
)


def _age(created: str | None, now: datetime) -> str:
    since = parse_time(created)
    if since is None:
        return "-"
    seconds = int((now - since).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def build_task_row(item: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """One DevOpsTask as `devopsctl get` lists it; `workers` (JSON only) gives each
    worker's phase and what it spent."""
    meta, status = item.get("metadata", {}), item.get("status") or {}
    stored = read_status(status)
    plan, planner = render_plan_summary(status.get("plan"))
    spent = read_usage(status)
    workers = [
        {
            "name": state.name,
            "phase": state.phase.value,
            "tokens": state.usage.total_tokens if state.usage else 0,
            "cost_usd": round(state.usage.cost_usd, 4) if state.usage else 0.0,
        }
        for state in stored.workers.values()
    ]
    return {
        "namespace": meta.get("namespace", ""),
        "name": meta.get("name", ""),
        "phase": stored.phase.value if stored.phase else "Pending",
        "progress": read_progress(status),
        "plan": plan,
        "planner": planner,
        "task_id": task_id_of(item),
        "tokens": spent.total_tokens,
        "cost_usd": round(spent.cost_usd, 4),
        "age": _age(meta.get("creationTimestamp"), now),
        "message": stored.message,
        "workers": workers,
    }


@click.command()
@click.option("-n", "--namespace", default="default", show_default=True)
@click.option("-A", "--all-namespaces", is_flag=True)
@json_option
@click.pass_obj
def get(ctx: Context, namespace: str, all_namespaces: bool) -> None:
    """DevOpsTasks with their phase and progress (workers finished / planned)."""
    ctx.use_kube()
    with reaching("listing DevOpsTasks"):
        items = tasks.list_tasks(() if all_namespaces else (namespace,))
    now = datetime.now(UTC)
    rows = [build_task_row(item, now) for item in items]

    def table() -> str:
        if not rows:
            return "no DevOpsTasks found"
        cols = ["namespace", "name", "phase", "progress", "plan", "planner", "tokens", "cost_usd"]
        cols += ["task_id", "age"]
        cells = [[col.upper() for col in cols]] + [[str(r[col]) for col in cols] for r in rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(cols))]
        return "\n".join(
            "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            for row in cells
        )

    emit(ctx, rows, table)


def _safe_path(root: Path, relative: str) -> Path:
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        fail(f"refusing unsafe artifact path {relative!r}")
    return root.joinpath(*path.parts)


@click.command()
@click.argument("name")
@click.option("-n", "--namespace", default="default", show_default=True)
@click.option(
    "-o",
    "--output",
    "output_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write into",
)
@json_option
@click.pass_obj
def artifacts(ctx: Context, name: str, namespace: str, output_dir: Path) -> None:
    """Write the files the task's workers generated (their artifacts ConfigMaps)."""
    ctx.use_kube()
    selector = f"{c.LABEL_TASK}={build_task_label_value(name)},{c.LABEL_COMPONENT}=artifacts"
    with reaching("reading artifacts"):
        cms = kube.list_configmaps(namespace, selector)
    if not cms:
        fail(f"no artifacts for DevOpsTask {namespace}/{name}")
    written: list[str] = []
    for cm in sorted(cms, key=lambda item: str(item.get("metadata", {}).get("name", ""))):
        for relative, content in parse_artifact_files(cm.get("data"), cm.get("binaryData")).items():
            target = _safe_path(output_dir, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            written.append(str(target))
    emit(ctx, {"files": written}, lambda: "\n".join(written))
