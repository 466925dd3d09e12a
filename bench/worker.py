"""The worker command of benchmark runs (`DEVOPS_WORKER_COMMAND`), run inside each pod.

A task whose context holds `{"bench": {"sleep": S}}` gets a worker that sleeps S seconds
and reports a valid result the way the real worker does (the frame of `worker/store.py`
that ends its log, stored by the operator), so throughput measures orchestration, not
generation.
Any other task runs the real worker (`python -m devops_orchestrator.worker`), unchanged."""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> int:
    path = os.environ.get("DEVOPS_BRIEFING_FILE")  # worker Jobs get it as a mounted file
    if path:
        with open(path, encoding="utf-8") as file:
            briefing_json = file.read()
    else:
        briefing_json = os.environ["DEVOPS_BRIEFING"]
    bench = (json.loads(briefing_json).get("context") or {}).get("bench")
    if not isinstance(bench, dict):
        os.execv(sys.executable, [sys.executable, "-m", "devops_orchestrator.worker"])
    time.sleep(float(bench.get("sleep", 0)))

    from pathlib import Path

    from devops_orchestrator.models import Briefing, WorkerResult
    from devops_orchestrator.worker import store

    briefing = Briefing.model_validate_json(briefing_json)
    result = WorkerResult(
        summary=f"{briefing.worker}: slept {bench.get('sleep', 0)} s", engine="bench"
    )
    report = store.render_report(
        briefing, result, None, 0, workspace=Path("."), artifacts_max_bytes=0
    )
    print(result.model_dump_json(exclude_none=True), flush=True)
    store.write_report(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
