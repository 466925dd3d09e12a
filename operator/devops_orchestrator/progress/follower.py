"""One worker Job's pod log, followed on a thread of its own until the container ends
or the follower is stopped; each tool-call line goes to the channels.

A dropped stream is reopened once: from the start with the lines already read skipped
(the local cluster's node agent, like any kubelet, serves follow and tailLines; line
counts need no timestamps), so nothing is relayed twice. A follower started for a Job
that was already running when the operator started reads only new lines (tailLines=0):
the previous operator relayed the older ones."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from devops_orchestrator.adapters import jobs, pod_logs
from devops_orchestrator.adapters.errors import AdapterError, RetryableError
from devops_orchestrator.core.log_lines import LineSplitter
from devops_orchestrator.core.progress import parse_tool_line
from devops_orchestrator.core.progress_jobs import FollowTarget
from devops_orchestrator.progress.channels import Channel

logger = logging.getLogger(__name__)

OpenChannels = Callable[[FollowTarget], Sequence[Channel]]


class Follower:
    def __init__(
        self,
        target: FollowTarget,
        open_channels: OpenChannels,
        *,
        resumed: bool,
        secrets: Sequence[str],
        on_end: Callable[[Follower], None],
    ) -> None:
        self.target = target
        self.resumed = resumed
        self.found_pod = False
        self.lines_read = 0
        self._open_channels = open_channels
        self._secrets = tuple(secrets)
        self._on_end = on_end
        self._stopped = threading.Event()
        self._done = threading.Event()
        self._stream: pod_logs.LogStream | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._run, name=f"progress-{target.job_name}", daemon=True
        )

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        with self._lock:
            stream = self._stream
        if stream is not None:
            pod_logs.close_stream(stream)

    def join(self, timeout: float) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            self._follow()
        except AdapterError as exc:
            if not self._stopped.is_set():
                logger.info("progress of %s ends: %s", self.target.job_name, exc)
        except Exception:
            logger.exception("progress of %s failed", self.target.job_name)
        finally:
            self._done.set()
            self._on_end(self)

    def _follow(self) -> None:
        target = self.target
        newest = pod_logs.find_newest_pod(target.namespace, target.job_name)
        if newest is None:
            return
        pod, phase = newest
        # Its result is read from that pod once the Job completes: no second list (also
        # for a pod that ended before this look, as a short worker's often has).
        jobs.remember_worker_pod(target.job_uid, pod)
        if phase != "Running" or self._stopped.is_set():
            return
        self.found_pod = True
        channels = self._open_channels(target)
        if not channels:
            return
        try:
            self._read(pod, channels, skip=0)
        except RetryableError as exc:
            if self._stopped.is_set():
                return
            logger.info("progress of %s: reconnecting (%s)", target.job_name, exc)
            self._read(pod, channels, skip=0 if self.resumed else self.lines_read)

    def _read(self, pod: str, channels: Sequence[Channel], *, skip: int) -> None:
        tail = 0 if self.resumed else None
        stream = pod_logs.open_log_stream(self.target.namespace, pod, tail_lines=tail)
        with self._lock:
            self._stream = stream
        if self._stopped.is_set():
            pod_logs.close_stream(stream)
            return
        splitter = LineSplitter()
        for chunk in pod_logs.read_chunks(stream):
            for line in splitter.feed(chunk):
                if skip > 0:
                    skip -= 1
                    continue
                self.lines_read += 1
                self._relay(line, channels)
            if self._stopped.is_set() or all(c.closed for c in channels):
                pod_logs.close_stream(stream)
                return

    def _relay(self, line: str, channels: Sequence[Channel]) -> None:
        call = parse_tool_line(line, self._secrets)
        if call is None:
            return
        now, wall = time.monotonic(), datetime.now(UTC)
        for channel in channels:
            channel.offer(call, now, wall)
