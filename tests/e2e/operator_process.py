"""The operator as a real subprocess (`python -m devops_orchestrator`) against the test
cluster: started with the cluster's kubeconfig and settings in its environment, its log
kept in a file, killable (SIGKILL) and restartable mid-task."""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

READY_TIMEOUT = 60.0
PR_SET_PDEATHSIG = 1
FAULTY_WORKER = Path(__file__).with_name("worker_with_faults.py")
REAL_WORKER = [sys.executable, "-m", "devops_orchestrator.worker"]


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL it when the test process dies, however it dies,
    so no operator outlives its test run."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def build_operator_env(
    kubeconfig: Path, health_port: int, metrics_port: int, settings: Mapping[str, str]
) -> dict[str, str]:
    """The operator's environment: ours minus any DEVOPS_* and API key of the developer's
    shell (tests choose every setting), plus the test cluster and `settings`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DEVOPS_") and k not in ("ANTHROPIC_API_KEY", "KUBECONFIG")
    }
    env.update(
        {
            "KUBECONFIG": str(kubeconfig),
            "PYTHONUNBUFFERED": "1",
            "DEVOPS_HEALTH_PORT": str(health_port),
            "DEVOPS_METRICS_PORT": str(metrics_port),
            "DEVOPS_RECHECK_INTERVAL_SECONDS": "1",
            # These suites test orchestration; checkov (seconds of CPU per worker) is
            # tested with the validators in tests/worker. A test may turn it back on.
            "DEVOPS_CHECKOV_ENABLED": "false",
        }
    )
    env.update(settings)
    return env


@dataclass
class OperatorProcess:
    kubeconfig: Path
    log_path: Path
    settings: dict[str, str] = field(default_factory=dict)
    health_port: int = field(default_factory=free_port)
    metrics_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError("the operator is already running")
        env = build_operator_env(
            self.kubeconfig, self.health_port, self.metrics_port, self.settings
        )
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"\n===== operator start #{self.starts} =====\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "devops_orchestrator"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        self.wait_ready()

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Until the liveness endpoint answers (kopf serves it once it runs)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"the operator exited at start-up:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.health_port}/healthz", timeout=2
                ) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"the operator was not ready in {timeout}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a crashed node would do it."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not exit in time."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def restart(self) -> None:
        self.kill()
        self.start()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def wait_for_log(self, text: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log_text():
                return
            time.sleep(0.2)
        raise TimeoutError(f"{text!r} not in the operator log:\n{self.log_tail()}")


def worker_command_setting(argv: list[str]) -> dict[str, str]:
    """DEVOPS_WORKER_COMMAND for `argv` (pydantic-settings parses JSON lists)."""
    return {"DEVOPS_WORKER_COMMAND": json.dumps(argv)}


def real_worker_settings() -> dict[str, str]:
    return worker_command_setting(REAL_WORKER)


def faulty_worker_settings() -> dict[str, str]:
    """The real worker behind a wrapper that fails or delays it when a task asks."""
    return worker_command_setting([sys.executable, str(FAULTY_WORKER)])
