"""`make demo` (`python -m devcluster demo`), run against the session's cluster: it
installs the operator from the manifests, completes a kubectl task on the sample app and
a Redis task, and tells the user what happened and where the files are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from deploy.deploy_util import uninstall_operator
from devcluster import processes
from devcluster.demo import Kubectl, run_demo
from devcluster.state import ClusterPaths


def test_demo_goes_from_nothing_to_finished_tasks(
    cluster: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = ClusterPaths(Path(cluster.state_dir))
    try:
        code = run_demo(paths.root)
        out, err = capsys.readouterr()
    finally:
        uninstall_operator(Kubectl(cluster.bin_dir / "kubectl", cluster.kubeconfig))
        pid = processes.read_pid(paths.pid("redis"))
        if pid is not None:
            processes.stop_group(pid)
    assert code == 0, out + err
    for step in range(1, 8):
        assert f"==> [{step}/7]" in out
    assert "sample-app-pipeline" in out and "Succeeded" in out
    assert "status:        completed" in out
    assert "make cluster-down" in out
    workspace = paths.root / "demo" / "workspace"
    assert (workspace / "Dockerfile").is_file() and (workspace / "package.json").is_file()
    # the Redis task worked on the app on the network's shared workspace, and said so
    network_app = paths.root / "demo" / "network" / "sample-app"
    assert (network_app / "Dockerfile").is_file() and (network_app / "package.json").is_file()
    assert "  + /workspace/sample-app/Dockerfile" in out
    assert not (paths.root / "demo" / "network" / "Dockerfile").exists()
    artifacts = paths.root / "demo" / "artifacts"
    exported = sorted(p.name for p in artifacts.iterdir())
    assert len(exported) == 2, exported  # the kubectl task and the Redis task
    for task_dir in artifacts.iterdir():
        assert (task_dir / "Dockerfile").is_file(), sorted(task_dir.rglob("*"))
