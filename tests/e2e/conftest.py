"""E2E fixtures: the CRD installed once, the operator as a real subprocess per module,
and a namespace ready for worker Jobs (their ServiceAccount and its Role)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from e2e.operator_process import OperatorProcess, real_worker_settings
from e2e.taskutil import Tasks, wait_for

REPO = Path(__file__).resolve().parents[2]
CRD = REPO / "crds" / "devopstask.yaml"
WORKER_MANIFESTS = REPO / "manifests" / "worker"


@pytest.fixture(scope="session")
def kube_api(cluster: Any) -> client.ApiClient:
    api: client.ApiClient = cluster.api_client()
    return api


@pytest.fixture(scope="session")
def devops_crd(cluster: Any, kube_api: client.ApiClient) -> None:
    cluster.kubectl("apply", "-f", str(CRD))
    ext = client.ApiextensionsV1Api(kube_api)

    def established() -> bool:
        crd = ext.read_custom_resource_definition("devopstasks.devops.agentnet.dev")
        return any(
            c.type == "Established" and c.status == "True" for c in crd.status.conditions or []
        )

    wait_for("the DevOpsTask CRD to be established", established, 60)


@pytest.fixture(scope="module")
def operator(
    cluster: Any,
    devops_crd: None,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[OperatorProcess]:
    """One operator process per test module; a module sets `OPERATOR_SETTINGS` (env
    variables) to configure it, by default the real worker runs."""
    settings = dict(getattr(request.module, "OPERATOR_SETTINGS", None) or real_worker_settings())
    log_dir = tmp_path_factory.mktemp("operator")
    proc = OperatorProcess(Path(cluster.kubeconfig), log_dir / "operator.log", settings=settings)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def tasks(
    cluster: Any, kube_api: client.ApiClient, namespace: str, operator: OperatorProcess
) -> Tasks:
    """The test's namespace, with what worker Jobs need there (the project's own
    manifests: their ServiceAccount, allowed to write result and artifact ConfigMaps)."""
    cluster.kubectl("apply", "-k", str(WORKER_MANIFESTS), "-n", namespace)
    return Tasks(kube_api, namespace, operator.log_tail)
