"""What the operator holds in memory from its imports alone: the anthropic SDK (about
45 MiB of RSS) only once the Claude planner calls, never for an operator without a key.
A fresh interpreter, since the test process itself may have imported it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
import devops_orchestrator.__main__, devops_orchestrator.handlers
print(json.dumps(sorted(m for m in ("anthropic", "httpx") if m in sys.modules)))
"""


def test_the_operator_imports_no_model_sdk() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
