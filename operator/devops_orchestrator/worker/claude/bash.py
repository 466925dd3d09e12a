"""The Bash tool: a command in the workspace, bounded by its timeout and the run's
remaining time, with a capped output and an environment that carries no secrets.

Nothing it starts outlives the call. Where the kernel lets us (unprivileged user
namespaces), the command runs in a PID namespace of its own (`unshare --pid --fork
--kill-child`): when its first process ends, or we kill it, the kernel kills every
process of the namespace, `setsid` and double forks included; the user namespace also
leaves it no capability over the worker. Everywhere, the command has its own session,
the worker is a child subreaper (orphans come back to it), and after the call every new
descendant is killed."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from devops_orchestrator.worker import reaper
from devops_orchestrator.worker.claude.arguments import int_arg, text_arg
from devops_orchestrator.worker.claude.context import ToolContext, ToolError

_CHUNK = 64 * 1024
_READER_GRACE_SECONDS = 5.0
_NAMESPACE_PREFIX = ("unshare", "--map-current-user", "--pid", "--fork", "--kill-child")
_MIN_SECONDS = 1.0
_NO_TIME_SECONDS = 0.05


def build_env(workspace: Path, path: str) -> dict[str, str]:
    """An allowlist, not a copy of the worker's environment: no API key, no tokens.
    The interpreter's bin folder (where hadolint and actionlint live) comes first."""
    scripts = str(Path(sys.executable).parent)
    parts = [scripts, *(part for part in path.split(os.pathsep) if part and part != scripts)]
    return {
        "PATH": os.pathsep.join(parts),
        "HOME": str(workspace),
        "PWD": str(workspace),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "dumb",
        "NO_COLOR": "1",
    }


@dataclass
class _Capture:
    """The first and last halves of a stream's bytes, and its total size."""

    limit: int
    head: bytearray = field(default_factory=bytearray)
    tail: bytearray = field(default_factory=bytearray)
    total: int = 0

    def drain(self, stream: IO[bytes]) -> None:
        half = self.limit // 2
        while chunk := os.read(stream.fileno(), _CHUNK):
            self.total += len(chunk)
            room = half - len(self.head)
            if room > 0:
                self.head += chunk[:room]
                chunk = chunk[room:]
            if chunk:
                self.tail += chunk
                del self.tail[: max(len(self.tail) - (self.limit - half), 0)]

    def render(self) -> str:
        shown = len(self.head) + len(self.tail)
        text = self.head.decode("utf-8", "replace")
        if self.total > shown:
            text += f"\n[output truncated: {self.total} bytes, {shown} shown]\n"
        return text + self.tail.decode("utf-8", "replace")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@functools.cache
def namespace_prefix() -> tuple[str, ...]:
    """The `unshare` prefix when this kernel and seccomp profile allow it, else ()."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    try:
        probe = subprocess.run(
            [unshare, *_NAMESPACE_PREFIX[1:], "true"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return (unshare, *_NAMESPACE_PREFIX[1:]) if probe.returncode == 0 else ()


def run_command(
    command: str, workspace: Path, env: dict[str, str], timeout: float, output_limit: int
) -> tuple[int | None, str]:
    """(exit code, output); the exit code is None when the timeout killed the command."""
    shell = shutil.which("bash", path=env["PATH"]) or "/bin/sh"
    reaper.become_subreaper()
    before = reaper.children()
    process = subprocess.Popen(
        [*namespace_prefix(), shell, "-c", command],
        cwd=workspace,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, killed as a whole
    )
    assert process.stdout is not None
    capture = _Capture(output_limit)
    reader = threading.Thread(target=capture.drain, args=(process.stdout,), daemon=True)
    reader.start()
    code: int | None
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        code = None
    # Background children left behind would hold the pipe open: end them either way.
    _kill_group(process)
    process.wait()
    reaper.kill_new_descendants(before)
    reader.join(_READER_GRACE_SECONDS)
    process.stdout.close()
    return code, capture.render()


def bash(ctx: ToolContext, args: Mapping[str, object]) -> str:
    command = text_arg(args, "command")
    if not command.strip():
        raise ToolError("command is empty")
    seconds = int_arg(args, "timeout", int(ctx.limits.bash_default_timeout))
    left = ctx.time_left()
    if left <= _NO_TIME_SECONDS:
        raise ToolError("no time left in this run for a command; give your final answer")
    timeout = min(max(float(seconds), _MIN_SECONDS), ctx.limits.bash_max_timeout, left)
    root = ctx.sandbox.root
    env = build_env(root, ctx.bash_path)
    code, output = run_command(command, root, env, timeout, ctx.limits.bash_output_max_bytes)
    if code is None:
        raise ToolError(f"timed out after {timeout:g}s; the process group was killed\n{output}")
    return f"exit code {code}\n{output}"
