"""devopsctl transcript TASK [WORKER]: the claude engine's redacted conversation of each
worker's latest attempt (or `--attempt N`), stored beside its result."""

from __future__ import annotations

import json
from typing import Any

import click

from devops_orchestrator import constants as c
from devops_orchestrator.adapters import kube
from devops_orchestrator.adapters.results import result_selector
from devops_orchestrator.cli.common import Context, emit, fail, json_option, reaching

TEXT_SHOWN = 600
INPUT_SHOWN = 240


def _short(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more]"


def _user_lines(entry: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for block in entry.get("content") or []:
        if block.get("type") == "tool_result":
            flag = " (error)" if block.get("is_error") else ""
            lines.append(f"  result{flag}: {_short(str(block.get('content', '')), TEXT_SHOWN)}")
        elif block.get("type") == "text":
            lines.append(f"  user: {_short(str(block.get('text', '')), TEXT_SHOWN)}")
    return lines


def _assistant_lines(entry: dict[str, Any]) -> list[str]:
    usage = entry.get("usage") or {}
    head = (
        f"turn {entry.get('turn')}: {entry.get('stop_reason')}, "
        f"in {usage.get('input_tokens', 0)} out {usage.get('output_tokens', 0)} "
        f"cache read {usage.get('cache_read_tokens', 0)} write {usage.get('cache_write_tokens', 0)}"
        f", ${usage.get('cost_usd', 0)}, request {entry.get('request_id')}"
    )
    lines = [head]
    for block in entry.get("content") or []:
        if block.get("type") == "text":
            lines.append(f"  assistant: {_short(str(block.get('text', '')), TEXT_SHOWN)}")
        elif block.get("type") == "tool_use":
            shown = _short(json.dumps(block.get("input"), sort_keys=True), INPUT_SHOWN)
            lines.append(f"  -> {block.get('name')} {shown}")
    return lines


def render_transcript(text: str) -> str:
    """The JSONL transcript as readable lines (unreadable lines are shown as they are)."""
    out: list[str] = []
    for raw in text.splitlines():
        try:
            entry = json.loads(raw)
        except json.JSONDecodeError:
            out.append(raw)
            continue
        kind = entry.get("type") if isinstance(entry, dict) else None
        if kind == "system":
            out.append(f"model {entry.get('model')}, tools: {', '.join(entry.get('tools', []))}")
        elif kind == "user":
            out += _user_lines(entry)
        elif kind == "assistant":
            out += _assistant_lines(entry)
        elif kind == "note":
            details = " ".join(f"{k}={v}" for k, v in entry.items() if k not in ("type", "event"))
            out.append(f"  -- {entry.get('event')} {details}".rstrip())
        elif kind == "gap":
            out.append(f"  -- {entry.get('lines_left_out')} lines left out")
        else:
            out.append(raw)
    return "\n".join(out)


def _latest(cms: list[dict[str, Any]], worker: str | None, attempt: int | None) -> list[Any]:
    chosen: dict[str, tuple[int, dict[str, Any]]] = {}
    for cm in cms:
        labels = cm.get("metadata", {}).get("labels") or {}
        name = labels.get(c.LABEL_WORKER, "")
        try:
            number = int(labels.get(c.LABEL_ATTEMPT, "0"))
        except ValueError:
            continue
        if (worker and name != worker) or (attempt is not None and number != attempt):
            continue
        if name not in chosen or number > chosen[name][0]:
            chosen[name] = (number, cm)
    return [(name, number, cm) for name, (number, cm) in sorted(chosen.items())]


@click.command()
@click.argument("name")
@click.argument("worker", required=False)
@click.option("-n", "--namespace", default="default", show_default=True)
@click.option("--attempt", type=int, default=None, help="This attempt instead of the latest")
@click.option("--raw", is_flag=True, help="The JSON lines as stored")
@json_option
@click.pass_obj
def transcript(
    ctx: Context,
    name: str,
    worker: str | None,
    namespace: str,
    attempt: int | None,
    raw: bool,
) -> None:
    """The redacted model conversation of a DevOpsTask's claude workers."""
    ctx.use_kube()
    with reaching("reading worker results"):
        cms = kube.list_configmaps(namespace, result_selector(name))
    found = [
        {"worker": w, "attempt": n, "transcript": (cm.get("data") or {})[c.TRANSCRIPT_DATA_KEY]}
        for w, n, cm in _latest(cms, worker, attempt)
        if c.TRANSCRIPT_DATA_KEY in (cm.get("data") or {})
    ]
    if not found:
        which = f" of {worker}" if worker else ""
        fail(f"no transcript{which} for DevOpsTask {namespace}/{name} (claude workers keep one)")

    def text() -> str:
        parts = []
        for item in found:
            body = item["transcript"] if raw else render_transcript(item["transcript"])
            parts.append(f"== {item['worker']} attempt {item['attempt']} ==\n{body.rstrip()}")
        return "\n\n".join(parts)

    emit(ctx, found, text)
