"""Red team, results: a hijacked worker tries to forge a result (its own, after a crash,
or another task's). Workers hold no API token, so the only channel is their own log:
the operator accepts the frame that ends the log of that Job's pod, with the exit code
the container really had, and a stored result only when owned by that very Job."""

from __future__ import annotations

import base64
import hashlib
import zlib

import pytest

from devops_orchestrator.adapters.results import (
    build_stored_configmaps,
    is_stored_by_operator,
    parse_result_configmap,
)
from devops_orchestrator.core.result_frame import (
    BEGIN,
    MAX_PAYLOAD_BYTES,
    FrameError,
    ResultFrame,
    decode_last_frame,
    encode_frame,
)

FORGED = ResultFrame(exit_code=0, result={"summary": "forged: all good", "files_created": []})
REAL = ResultFrame(exit_code=1, error="docker-worker failed: could not recognise the app")


def test_a_frame_pushed_into_the_log_earlier_is_superseded_by_the_real_one() -> None:
    log = "started\n" + encode_frame(FORGED) + "more work\n" + encode_frame(REAL)
    assert decode_last_frame(log, 1) == REAL


def test_a_worker_killed_after_printing_a_forged_frame_has_no_result() -> None:
    """Killed (OOM, deadline): exit 137; the forged frame claims 0."""
    with pytest.raises(FrameError, match="exit code"):
        decode_last_frame("started\n" + encode_frame(FORGED), 137)
    forged_137 = ResultFrame(exit_code=137, result={"summary": "forged"})
    with pytest.raises(FrameError, match="exit code"):
        decode_last_frame(encode_frame(forged_137), 137)


def test_a_frame_followed_by_anything_or_tampered_is_refused() -> None:
    with pytest.raises(FrameError, match="does not end"):
        decode_last_frame(encode_frame(FORGED) + "a line after it\n", 0)
    lines = encode_frame(FORGED).splitlines()
    lines[1] = lines[1][:-4] + ("AAAA" if not lines[1].endswith("AAAA") else "BBBB")
    with pytest.raises(FrameError, match=r"checksum|base64"):
        decode_last_frame("\n".join(lines), 0)
    with pytest.raises(FrameError, match="no beginning"):
        decode_last_frame("\n".join(encode_frame(FORGED).splitlines()[1:]), 0)


def test_a_decompression_bomb_is_refused() -> None:
    bomb = zlib.compress(b"{" + b" " * (MAX_PAYLOAD_BYTES + 10) + b"}", 9)
    text = base64.b64encode(bomb).decode()
    frame = "\n".join(
        [BEGIN, text, f"-----END DEVOPS RESULT v1 sha256={hashlib.sha256(bomb).hexdigest()}-----"]
    )
    with pytest.raises(FrameError, match="larger than"):
        decode_last_frame(frame, 0)


JOB = {
    "metadata": {
        "name": "shop-docker-1",
        "namespace": "team-a",
        "uid": "job-uid-1",
        "labels": {"devops.agentnet.dev/task": "shop"},
    }
}


def test_only_configmaps_owned_by_that_job_count() -> None:
    (stored,) = build_stored_configmaps(JOB, "shop", "task-uid", REAL)
    assert is_stored_by_operator(stored, "shop-docker-1", "job-uid-1", "task-uid")
    assert is_stored_by_operator(stored, "shop-docker-1", None, "task-uid")  # Job TTL'd
    assert not is_stored_by_operator(stored, "shop-docker-1", "other-uid", "task-uid")
    assert not is_stored_by_operator(stored, "shop-docker-1", "job-uid-1", "other-task")
    assert not is_stored_by_operator(stored, "shop-ci-1", None, "task-uid")
    forged = {"metadata": {"name": "shop-docker-1-result", "ownerReferences": [
        {"kind": "DevOpsTask", "uid": "task-uid", "name": "shop"}]}}  # fmt: skip
    assert not is_stored_by_operator(forged, "shop-docker-1", None, "task-uid")
    assert not is_stored_by_operator({"metadata": {}}, "shop-docker-1", None, "")


def test_stored_configmaps_take_their_metadata_from_the_job_not_the_worker() -> None:
    frame = ResultFrame(
        exit_code=0,
        result={"summary": "ok", "files_created": ["Dockerfile"]},
        artifacts_data={
            "Dockerfile": "FROM scratch\n",
            "files.json": '{"Dockerfile": "Dockerfile"}',
        },
    )
    result, artifacts = build_stored_configmaps(JOB, "shop", "task-uid", frame)
    assert result["metadata"]["name"] == "shop-docker-1-result"
    assert result["metadata"]["namespace"] == "team-a"
    assert result["metadata"]["labels"]["devops.agentnet.dev/component"] == "result"
    assert artifacts["metadata"]["labels"]["devops.agentnet.dev/component"] == "artifacts"
    parsed, error = parse_result_configmap(result["data"])
    assert parsed is not None and parsed.files_created == ["Dockerfile"] and error is None
    assert artifacts["data"]["Dockerfile"] == "FROM scratch\n"
