"""A worker's own cost: CPU-seconds of `python -m devops_orchestrator.worker` from exec to
its first log line (the briefing understood) and to its exit, for an empty task (the
one-worker task of the latency runs, on an empty workspace), run as a pod would run it.

Standalone, and with a pod's environment (`POD_NAMESPACE`, a kubeconfig): workers write
nothing to the API any more (their result ends their log), so the two should agree; a
gap would mean a cluster-only import came back on the worker's path. Both include every
validator the worker runs on what it generated, with the product's defaults (hadolint on
the Dockerfile, the compose schema; checkov starts only for Terraform and manifests)."""

from __future__ import annotations

import compileall
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench import probes
from bench.stats import summarize


def precompile() -> None:
    """Byte-compile the package as the image does (`compileall` in the Dockerfile). In a
    dev checkout nothing else writes `__pycache__` (PYTHONDONTWRITEBYTECODE, or a pod's
    uid that may not write there), and every worker would compile our modules from
    source: about 0.15 CPU-s per start that no deployed worker pays."""
    import devops_orchestrator

    compileall.compile_dir(Path(devops_orchestrator.__file__).parent, quiet=1)


def build_briefing(namespace: str, task_name: str) -> dict[str, Any]:
    return {
        "task_name": task_name,
        "namespace": namespace,
        "worker": "docker-worker",
        "attempt": 1,
        "description": "Containerize the Node.js app with a Dockerfile",
        "context": {"project_type": "nodejs"},
        "result_configmap": f"{task_name}-docker-1-result",
    }


def run_once(env: dict[str, str], workspace: Path) -> dict[str, float]:
    """One worker process: CPU at its first stderr line (sampled from /proc as the line
    arrives) and at exit (wait4: itself plus the validators it ran)."""
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "devops_orchestrator.worker", "--workspace", str(workspace)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()
    first_cpu = probes.cpu_seconds(proc.pid)
    first_wall = time.monotonic() - start
    rest = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0 or b"started" not in first:
        raise RuntimeError(f"worker failed ({proc.returncode}): {(first + rest).decode()[-800:]}")
    return {
        "cpu_to_first_line_s": first_cpu,
        "cpu_to_exit_s": usage.ru_utime + usage.ru_stime,
        "wall_to_first_line_s": first_wall,
        "wall_to_exit_s": time.monotonic() - start,
    }


def measure(
    repeats: int, namespace: str = "bench", kubeconfig: Path | None = None
) -> dict[str, Any]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DEVOPS_") and k not in ("ANTHROPIC_API_KEY", "POD_NAMESPACE")
    }
    if kubeconfig is not None:
        env.update({"KUBECONFIG": str(kubeconfig), "POD_NAMESPACE": namespace})
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-worker-") as tmp:
        for i in range(repeats):
            name = f"startup-{uuid.uuid4().hex[:8]}"
            env["DEVOPS_BRIEFING"] = json.dumps(build_briefing(namespace, name))
            runs.append(run_once(env, Path(tmp) / str(i)))
    keys = runs[0].keys() if runs else ()
    return {
        "in_cluster": kubeconfig is not None,
        "runs": runs,
        **{k: summarize([r[k] for r in runs]) for k in keys},
    }
