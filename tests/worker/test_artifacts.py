"""The ConfigMaps a worker stores in a cluster (pure builders)."""

from __future__ import annotations

import json
import re

from workerkit import make_briefing

from devops_orchestrator import constants as c
from devops_orchestrator.models import WorkerResult
from devops_orchestrator.worker.artifacts import (
    build_artifacts_configmap,
    build_result_configmap,
)

BRIEFING = make_briefing(
    "ci-worker",
    task_uid="uid-1",
    job_name="shop-ci-worker-1",
    result_configmap="shop-ci-worker-1-result",
    attempt=2,
)


def test_result_configmap() -> None:
    body = build_result_configmap(BRIEFING, WorkerResult(summary="ok"), None)
    assert body["metadata"]["name"] == "shop-ci-worker-1-result"
    assert body["metadata"]["labels"] == {
        c.LABEL_MANAGED_BY: c.MANAGED_BY,
        c.LABEL_TASK: "shop",
        c.LABEL_WORKER: "ci-worker",
        c.LABEL_ATTEMPT: "2",
        c.LABEL_COMPONENT: "result",
    }
    (owner,) = body["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["apiVersion"], owner["uid"]) == (c.KIND, c.API_VERSION, "uid-1")
    assert json.loads(body["data"]["result.json"])["summary"] == "ok"
    failed = build_result_configmap(BRIEFING, None, "boom")
    assert failed["data"] == {"error": "boom"}


def test_artifacts_keys_index_binary_and_cap() -> None:
    files = {
        ".github/workflows/ci.yml": b"on: push\n",
        "k8s/deployment.yaml": b"kind: Deployment\n",
        "k8s/deployment yaml": b"odd name\n",
        "logo.png": b"\x89PNG\xff\x00",
        "zz/huge.txt": b"x" * 5000,
    }
    body, truncated = build_artifacts_configmap(BRIEFING, files, max_bytes=2000)
    assert truncated == ["zz/huge.txt"]
    assert body["metadata"]["name"] == "shop-ci-worker-1-artifacts"
    assert body["metadata"]["labels"][c.LABEL_COMPONENT] == "artifacts"
    index = json.loads(body["data"]["files.json"])
    assert sorted(index.values()) == sorted(p for p in files if p != "zz/huge.txt")
    for key in [*body["data"], *body["binaryData"]]:
        assert re.fullmatch(r"[-._a-zA-Z0-9]+", key)
    assert body["data"][".github__workflows__ci.yml"] == "on: push\n"
    assert list(body["binaryData"]) == ["logo.png"]
