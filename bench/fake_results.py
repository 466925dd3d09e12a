"""What a real worker leaves behind, supplied by the harness on simulated nodes: its log,
ending with its result frame (`core.result_frame`), which the operator reads from the
finished pod and stores. KWOK serves the same log for every worker container."""

from __future__ import annotations

import json

from devops_orchestrator.core.result_frame import ResultFrame, encode_frame
from devops_orchestrator.models import WorkerResult

SUMMARY_PREFIX = "simulated"


def build_worker_log(worker_seconds: float) -> str:
    """The log of a worker that succeeded after `worker_seconds` (pure)."""
    result = WorkerResult(summary=f"{SUMMARY_PREFIX} worker ({worker_seconds:g} s)", engine="bench")
    frame = ResultFrame(exit_code=0, result=result.model_dump(mode="json", exclude_none=True))
    return f"devops-worker: simulated by the scale benchmark\n{encode_frame(frame)}\n"


def is_simulated(summary: str) -> bool:
    return summary.startswith(SUMMARY_PREFIX)


def count_simulated(outputs: list[str]) -> int:
    """How many workers' published summaries came from the simulated log (pure)."""
    found = 0
    for raw in outputs:
        details = (json.loads(raw or "{}").get("details") or {}).values()
        found += sum(1 for d in details if is_simulated(str((d or {}).get("summary", ""))))
    return found
