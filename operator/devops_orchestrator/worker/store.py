"""Handing a worker's result and files to the operator: a framed, compressed block
written last on stdout (`core.result_frame`), which the operator reads from the
finished pod's log and stores as the result and artifacts ConfigMaps.

The worker holds no API credentials (its pod mounts no service-account token), so
nothing it runs, hijacked or not, can write to the cluster; the operator accepts only
the frame that ends the log of that very Job's pod. Only in a cluster (`POD_NAMESPACE`
set and the briefing naming its result ConfigMap) is a frame written; standalone runs
print their result as JSON only."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import TextIO

from devops_orchestrator.core.result_frame import ResultFrame, encode_frame
from devops_orchestrator.models import Briefing, Issue, Severity, TokenUsage, WorkerResult
from devops_orchestrator.worker.artifacts import (
    artifacts_configmap_name,
    build_artifacts_configmap,
)

# A ConfigMap holds at most 1 MiB: the result, the transcript's tail and the usage fit.
TRANSCRIPT_MAX_CHARS = 600 * 1024


def in_cluster(briefing: Briefing) -> bool:
    return bool(os.environ.get("POD_NAMESPACE")) and bool(briefing.result_configmap)


def _read_file(workspace: Path, path: str, max_bytes: int) -> bytes | None:
    """A generated file's bytes if it is a regular file (not a link) within the cap."""
    try:
        fd = os.open(workspace / path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            return None
        return handle.read(max_bytes + 1)[:max_bytes]


def build_frame(
    briefing: Briefing,
    result: WorkerResult | None,
    error: str | None,
    exit_code: int,
    *,
    workspace: Path,
    artifacts_max_bytes: int,
    transcript: str = "",
    usage: TokenUsage | None = None,
) -> ResultFrame:
    """The frame for this outcome; a non-git result's files travel as artifacts (up to
    the cap, the rest named in `artifacts_truncated`)."""
    data: dict[str, str] = {}
    binary: dict[str, str] = {}
    if (
        result is not None
        and result.git_commit is None
        and (result.files_created or result.files_modified)
    ):
        files: dict[str, bytes] = {}
        for path in result.files_created + result.files_modified:
            content = _read_file(workspace, path, artifacts_max_bytes)
            if content is not None:
                files[path] = content
        body, truncated = build_artifacts_configmap(briefing, files, artifacts_max_bytes)
        data, binary = body["data"], body.get("binaryData", {})
        result.artifacts_configmap = artifacts_configmap_name(briefing)
        result.artifacts_truncated = truncated
        result.issues += [
            Issue(
                severity=Severity.WARNING,
                validator="artifacts",
                rule="truncated",
                file=path,
                message=f"{path} is not in {result.artifacts_configmap}: size cap reached",
            )
            for path in truncated
        ]
    return ResultFrame(
        exit_code=exit_code,
        result=None if result is None else result.model_dump(mode="json", exclude_none=True),
        error=error,
        artifacts_data=data,
        artifacts_binary=binary,
        transcript=_tail(transcript, TRANSCRIPT_MAX_CHARS),
        usage=usage.model_dump(mode="json") if usage is not None and result is None else None,
    )


def _tail(text: str, limit: int) -> str:
    """The end of `text` (the last turns matter most), cut at a line."""
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    return cut[cut.find("\n") + 1 :]


def render_report(
    briefing: Briefing,
    result: WorkerResult | None,
    error: str | None,
    exit_code: int,
    *,
    workspace: Path,
    artifacts_max_bytes: int,
    transcript: str = "",
    usage: TokenUsage | None = None,
) -> str:
    """In a cluster, the frame to write last on stdout (the caller exits `exit_code`
    right after: nothing may follow it in the log); '' standalone."""
    if not in_cluster(briefing):
        return ""
    frame = build_frame(
        briefing,
        result,
        error,
        exit_code,
        workspace=workspace,
        artifacts_max_bytes=artifacts_max_bytes,
        transcript=transcript,
        usage=usage,
    )
    return encode_frame(frame)


def write_report(report: str, out: TextIO | None = None) -> None:
    if report:
        sys.stderr.flush()
        stream = out or sys.stdout
        stream.write(report)
        stream.flush()
