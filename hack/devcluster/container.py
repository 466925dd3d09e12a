"""One container attempt as a local process group: started through the sandbox helper,
its output appended to a log file, stopped with SIGTERM then SIGKILL."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

HACK_DIR = str(Path(__file__).resolve().parents[1])


class ContainerProcess:
    def __init__(self, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.proc = proc
        self.log = log

    @classmethod
    def start(
        cls, spec: dict[str, Any], spec_file: Path, log: Path, helper_env: Mapping[str, str]
    ) -> ContainerProcess:
        spec_file.parent.mkdir(parents=True, exist_ok=True)
        spec_file.write_text(json.dumps(spec))
        log.parent.mkdir(parents=True, exist_ok=True)
        env = {**helper_env, "PYTHONPATH": HACK_DIR}
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "devcluster.sandbox", str(spec_file)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                close_fds=True,
            )
        (spec_file.parent / f"{spec_file.stem}.pid").write_text(str(proc.pid))
        return cls(proc, log)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def poll(self) -> int | None:
        """The exit code (128+signal when killed), or None while running."""
        code = self.proc.poll()
        if code is None:
            return None
        return 128 - code if code < 0 else code

    def stop(self, grace: float) -> int:
        """SIGTERM the whole group, SIGKILL after grace seconds; returns the exit code."""
        self._signal(signal.SIGTERM)
        deadline = time.monotonic() + max(grace, 0.0)
        while time.monotonic() < deadline and self.proc.poll() is None:
            time.sleep(0.05)
        self._signal(signal.SIGKILL)  # also reaps stragglers left in the group
        self.proc.wait()
        code = self.poll()
        assert code is not None
        return code

    def _signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)


def kill_leftover_groups(pods_root: Path, marker: str) -> list[int]:
    """After an agent restart: kill container process groups recorded by a previous run
    (only processes that still carry this cluster's marker: pids get reused)."""
    killed = []
    for pid_file in pods_root.glob("*/*/run/*.pid"):
        with contextlib.suppress(ValueError, OSError):
            pid = int(pid_file.read_text())
            pid_file.unlink()
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            if marker.encode() in environ:
                os.killpg(pid, signal.SIGKILL)
                killed.append(pid)
    return killed
