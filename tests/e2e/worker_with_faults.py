"""The real worker, with faults a test asks for: `python worker_with_faults.py`.

Reads the briefing like the real worker does (`DEVOPS_BRIEFING_FILE`) and looks in the task's
context for an `e2e` object:
  {"sleep": {"docker-worker": 30}}  wait that many seconds before working;
  {"fail": {"infra-worker": 2}}     fail attempts 1 and 2 of that worker (exit 1 with
                                     the error on stderr, like a crashed worker).
Anything else: exec `python -m devops_orchestrator.worker`, the real worker, unchanged.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    path = os.environ.get("DEVOPS_BRIEFING_FILE")  # worker Jobs get it as a mounted file
    if path:
        with open(path, encoding="utf-8") as file:
            briefing = json.load(file)
    else:
        briefing = json.loads(os.environ["DEVOPS_BRIEFING"])
    faults = (briefing.get("context") or {}).get("e2e") or {}
    worker, attempt = briefing["worker"], int(briefing.get("attempt", 1))
    time.sleep(float((faults.get("sleep") or {}).get(worker, 0)))
    if attempt <= int((faults.get("fail") or {}).get(worker, 0)):
        print(f"{worker} attempt {attempt}: failing as the test asked", file=sys.stderr)
        sys.exit(1)
    os.execv(sys.executable, [sys.executable, "-m", "devops_orchestrator.worker"])


if __name__ == "__main__":
    main()
