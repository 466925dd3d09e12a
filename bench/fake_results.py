"""What a real worker leaves behind, supplied by the harness on simulated nodes: its log,
ending with its result frame (`core.result_frame`), which the operator reads from the
finished pod and stores. KWOK serves the same log for every worker container."""

from __future__ import annotations

import json

from devops_orchestrator.core.result_frame import ResultFrame, encode_frame
from devops_orchestrator.models import WorkerResult

SUMMARY_PREFIX = "simulated"


# The container runtime's log file format, which KWOK (like a kubelet) parses and strips.
CRI_PREFIX = "2026-01-01T00:00:00.000000000Z stdout F "


def build_worker_log(worker_seconds: float) -> str:
    """The log file of a worker that succeeded after `worker_seconds`, in the container
    runtime's format (pure)."""
    result = WorkerResult(summary=f"{SUMMARY_PREFIX} worker ({worker_seconds:g} s)", engine="bench")
    frame = ResultFrame(exit_code=0, result=result.model_dump(mode="json", exclude_none=True))
    lines = ["devops-worker: simulated by the scale benchmark", *encode_frame(frame).splitlines()]
    return "".join(f"{CRI_PREFIX}{line}\n" for line in lines)


def is_simulated(summary: str) -> bool:
    return summary.startswith(SUMMARY_PREFIX)


def count_simulated(outputs: list[str]) -> int:
    """How many workers' published summaries came from the simulated log (pure)."""
    found = 0
    for raw in outputs:
        details = (json.loads(raw or "{}").get("details") or {}).values()
        found += sum(1 for d in details if is_simulated(str((d or {}).get("summary", ""))))
    return found
