"""How many connections each API client keeps for reuse. The client's default (5 per CPU,
10 on a 2-core machine) is smaller than the threads that call at once: a burst of 1,000
tasks logged 299 "Connection pool is full, discarding connection" warnings, each a
connection opened and thrown away."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client

from devops_orchestrator.adapters import kube, pod_logs
from devops_orchestrator.config import KUBE_POOL_CONNECTIONS, get_settings

KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}
users:
- name: someone
  user: {token: not-a-secret}
contexts:
- name: local
  context: {cluster: local, user: someone}
current-context: local
"""


def pool_size(api: client.ApiClient) -> int:
    """What urllib3 is told to keep per host: read from the pool manager it built."""
    return int(api.rest_client.pool_manager.connection_pool_kw["maxsize"])


@pytest.fixture
def kubeconfig(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "kubeconfig"
    path.write_text(KUBECONFIG)
    before = kube._api_client
    yield path
    kube.use_api_client(before)  # type: ignore[arg-type]


def test_the_shared_client_keeps_a_connection_for_every_calling_thread(
    kubeconfig: Path,
) -> None:
    kube.use_kubeconfig(str(kubeconfig))
    api = kube.api_client()
    assert pool_size(api) == KUBE_POOL_CONNECTIONS
    assert client.Configuration().connection_pool_maxsize < KUBE_POOL_CONNECTIONS


def test_the_log_followers_keep_one_connection_each_without_touching_the_shared_pool(
    kubeconfig: Path,
) -> None:
    kube.use_kubeconfig(str(kubeconfig))
    followers = pod_logs._api().api_client
    assert pool_size(followers) == get_settings().progress_max_followers
    assert followers.configuration is not kube.api_client().configuration
    assert pool_size(kube.api_client()) == KUBE_POOL_CONNECTIONS
    assert followers.configuration.host == "https://127.0.0.1:6443"
