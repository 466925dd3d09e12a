"""`make manifests`: the DevOpsTask CRD's list of workers, generated from the worker
definitions (`.claude/agents/*.md`), the one home of a worker.

Only the `maxItems` and `enum` lines of `spec.workers` are rewritten, so the hand-written
rest of the file (descriptions, comments) stays as it is. Run: python hack/crd_workers.py"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

from devops_orchestrator.core.planning import build_plan
from devops_orchestrator.definitions import load_definitions
from devops_orchestrator.models import AgentDefinition, Strategy

ROOT = Path(__file__).resolve().parents[1]
CRD_PATH = ROOT / "crds" / "devopstask.yaml"

# `workers:` of the spec, then its `maxItems:` and its items' `enum:` before the next field.
_WORKERS_BLOCK = re.compile(
    r"(?P<head>^(?P<indent> +)workers:\n(?:(?P=indent) {2}.*\n)*?)"
    r"(?P<max>(?P=indent) {2}maxItems: *\d+\n)"
    r"(?P<mid>(?:(?P=indent) {2}.*\n)*?)"
    r"(?P<enum>(?P=indent) {4}enum: *\[[^\]\n]*\]\n)",
    re.MULTILINE,
)


class CrdLayoutError(ValueError):
    """The CRD no longer has the `spec.workers` block this generator rewrites."""


def order_workers(definitions: Sequence[AgentDefinition]) -> tuple[str, ...]:
    """Names in the order they run when all are planned (docker, infra, ci today)."""
    names = [definition.name for definition in definitions]
    return build_plan(names, definitions, Strategy.SEQUENTIAL).workers


def render_worker_enum(crd_text: str, workers: Sequence[str]) -> str:
    """`crd_text` with `spec.workers`' maxItems and enum set to `workers`."""
    match = _WORKERS_BLOCK.search(crd_text)
    if match is None:
        raise CrdLayoutError("no `workers:` block with maxItems and an items enum in the CRD")
    indent = match.group("indent")
    block = (
        match.group("head")
        + f"{indent}  maxItems: {len(workers)}\n"
        + match.group("mid")
        + f"{indent}    enum: [{', '.join(workers)}]\n"
    )
    return crd_text[: match.start()] + block + crd_text[match.end() :]


def main() -> int:
    workers = order_workers(load_definitions())
    old = CRD_PATH.read_text(encoding="utf-8")
    new = render_worker_enum(old, workers)
    if new != old:
        CRD_PATH.write_text(new, encoding="utf-8")
    print(f"{CRD_PATH.relative_to(ROOT)}: workers {', '.join(workers)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
