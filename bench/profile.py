"""Where the operator's time goes: a py-spy sample of the running process, summarised.

`py-spy record --format raw` writes collapsed stacks, one line per distinct stack:
`frame;frame;...;leaf count`, each frame `function (path:line)`. The summary (pure)
attributes every sample to the area of its leaf frame (self time) and to each of our own
functions on its stack (inclusive time)."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<path>[^()]*?)(?::(?P<line>\d+))?\)$")
OURS = "devops_orchestrator/"
# First match wins: path fragment -> area.
AREAS: tuple[tuple[str, str], ...] = (
    ("devops_orchestrator/core/", "ours: core (decisions)"),
    ("devops_orchestrator/adapters/", "ours: adapters"),
    ("devops_orchestrator/bridge/", "ours: Redis bridge"),
    ("devops_orchestrator/worker/", "ours: worker code"),
    (OURS, "ours: reconcile/handlers/other"),
    ("kopf/", "kopf"),
    ("kubernetes/", "kubernetes client (models, serialisation)"),
    ("urllib3/", "HTTP (urllib3, http.client, ssl)"),
    ("http/client", "HTTP (urllib3, http.client, ssl)"),
    ("ssl.py", "HTTP (urllib3, http.client, ssl)"),
    ("aiohttp/", "aiohttp (kopf's watch streams)"),
    ("json/", "json"),
    ("pydantic", "pydantic"),
    ("redis/", "redis-py"),
    ("asyncio/", "asyncio loop"),
    ("concurrent/futures", "threads (to_thread)"),
    ("threading.py", "threads (to_thread)"),
    ("logging/", "logging"),
    ("yaml/", "yaml"),
    ("prometheus_client/", "prometheus_client"),
)


def parse_frame(frame: str) -> tuple[str, str]:
    """`function (path:line)` -> (function, path); unparsable frames keep their text."""
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip(), ""
    return match["func"], match["path"]


def area_of(path: str) -> str:
    for fragment, area in AREAS:
        if fragment in path:
            return area
    return "other" if path else "native/unknown"


def short_name(func: str, path: str) -> str:
    """`module.function` for our frames (`reconcile.run_pass`), else the function."""
    if OURS in path:
        module = path.split(OURS, 1)[1].removesuffix(".py").replace("/", ".")
        return f"{module}.{func}"
    return func


@dataclass
class ProfileSummary:
    samples: int = 0
    by_area: Counter[str] = field(default_factory=Counter)
    self_top: Counter[str] = field(default_factory=Counter)
    ours_inclusive: Counter[str] = field(default_factory=Counter)
    json_callers: Counter[str] = field(default_factory=Counter)
    by_role: Counter[str] = field(default_factory=Counter)

    def as_json(self, top: int = 12) -> dict[str, Any]:
        def share(counter: Counter[str]) -> list[dict[str, Any]]:
            total = max(self.samples, 1)
            return [
                {"name": name, "samples": n, "share": n / total}
                for name, n in counter.most_common(top)
            ]

        return {
            "samples": self.samples,
            "by_area": share(self.by_area),
            "self_top": share(self.self_top),
            "ours_inclusive": share(self.ours_inclusive),
            "json_callers": share(self.json_callers),
            "by_role": share(self.by_role),
        }


def summarize_collapsed(text: str) -> ProfileSummary:
    summary = ProfileSummary()
    for line in text.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [parse_frame(f) for f in stack.split(";") if f.strip()]
        frames = [f for f in frames if not f[0].startswith(("thread ", "process "))]
        if not frames:
            continue
        summary.samples += count
        func, path = frames[-1]
        summary.by_area[area_of(path)] += count
        summary.self_top[f"{short_name(func, path)} ({area_of(path)})"] += count
        for name in {short_name(f, p) for f, p in frames if OURS in p}:
            summary.ours_inclusive[name] += count
        if area_of(path) == "json":
            summary.json_callers[json_caller(frames)] += count
        summary.by_role[role_of(frames)] += count
    return summary


EVENT_LOOP = "event loop (kopf: watches, per-event work; our handlers)"


def role_of(frames: list[tuple[str, str]]) -> str:
    """What the sampled thread is there for: the event loop (kopf runs it), else the
    outermost function of ours on its stack (a pass, a bridge loop, the collector)."""
    if any(func.endswith("run_forever") and "asyncio/" in path for func, path in frames):
        return EVENT_LOOP
    for func, path in frames:
        if OURS in path:
            return short_name(func, path)
    return "other"


def json_caller(frames: list[tuple[str, str]]) -> str:
    """Who asked for the JSON that a sample decodes or encodes: the nearest kopf frame
    ("kopf", its watch streams) or function of ours, passing over the one generic API call
    wrapper (`adapters/kube.py`) that every request of ours goes through."""
    for func, path in reversed(frames):
        if "kopf/" in path:
            return "kopf"
        if OURS in path and not path.endswith("adapters/kube.py"):
            return short_name(func, path)
    return "other"


def record(pid: int, seconds: float, out: Path, rate: int = 50) -> subprocess.Popen[bytes]:
    """Starts py-spy sampling `pid` for `seconds` (non-blocking: the target is not paused)
    into `out`; wait on the returned process, or `stop` it sooner. Only samples of a
    thread holding the GIL count: py-spy otherwise counts a thread blocked in a socket
    read as busy, and a profile of waits says nothing of the CPU."""
    beside = Path(sys.executable).with_name("py-spy")  # the venv's, when run from it
    binary = str(beside) if beside.exists() else shutil.which("py-spy")
    if binary is None:
        raise RuntimeError("py-spy is not installed (pip install py-spy)")
    return subprocess.Popen(
        [
            binary,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(max(1, round(seconds))),
            "--rate",
            str(rate),
            "--format",
            "raw",
            "--nonblocking",
            "--gil",  # only threads holding the GIL: Python CPU time, not waits
            "--subprocesses",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def stop(spy: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Ends a `record` now: py-spy writes what it sampled on SIGINT, as on Ctrl-C."""
    if spy.poll() is None:
        spy.send_signal(signal.SIGINT)
    spy.wait(timeout=timeout)
