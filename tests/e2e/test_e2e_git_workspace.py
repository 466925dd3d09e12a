"""A git workspace on the real cluster: the worker Job clones a local bare repository
(the sample Node/Express app on `main`) with credentials from a Secret, commits the
generated files on `devops/<task-name>` and pushes; the reconciler shows the files,
branch and commit; the token never shows up in anything the cluster keeps."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from devops_orchestrator.core.jobs import GIT_CREDENTIALS_LABEL, RUN_AS_USER
from e2e.operator_process import OperatorProcess, real_worker_settings
from e2e.taskutil import Tasks

SAMPLE_APP = Path(__file__).resolve().parents[2] / "examples" / "sample-app"
# The remote is a local folder: allowed only when configured.
OPERATOR_SETTINGS = {**real_worker_settings(), "DEVOPS_GIT_ALLOW_FILE_URLS": "true"}
GIT_TOKEN = "ghp_gitworkspaceE2E-0123456789-tokenvalue"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "seed",
    "GIT_AUTHOR_EMAIL": "seed@example.invalid",
    "GIT_COMMITTER_NAME": "seed",
    "GIT_COMMITTER_EMAIL": "seed@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
}


def git(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(
        ["git", "-c", "safe.directory=*", *args],
        cwd=cwd,
        env={**GIT_ENV, "HOME": str(cwd or "/")},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture
def bare_repo(tmp_path: Path) -> Iterator[Path]:
    """A bare repository with the sample app on `main`, shared with the workers' group
    (they run as uid/gid 10001; the repository stays root's). The pods see an emptyDir at
    /tmp, hence a folder under /var/tmp."""
    shared = Path(tempfile.mkdtemp(prefix="e2e-git-", dir="/var/tmp"))
    shared.chmod(0o755)
    bare, seed = shared / "app.git", tmp_path / "seed"
    git("init", "-q", "--bare", "--shared=group", "-b", "main", str(bare))
    shutil.copytree(SAMPLE_APP, seed, ignore=shutil.ignore_patterns("node_modules"))
    git("init", "-q", "-b", "main", cwd=seed)
    git("add", ".", cwd=seed)
    git("commit", "-q", "-m", "the sample app", cwd=seed)
    git("push", "-q", str(bare), "main", cwd=seed)
    for path in [bare, *bare.rglob("*")]:  # group-writable for the workers' group
        os.chown(path, -1, RUN_AS_USER, follow_symlinks=False)
        path.chmod(path.stat().st_mode | (0o070 if path.is_dir() else 0o060))
    yield bare
    shutil.rmtree(shared, ignore_errors=True)


def test_worker_pushes_its_files_on_the_task_branch(
    cluster: Any, tasks: Tasks, operator: OperatorProcess, bare_repo: Path
) -> None:
    core = tasks.core
    core.create_namespaced_secret(
        tasks.namespace,
        client.V1Secret(
            metadata=client.V1ObjectMeta(
                name="git-credentials",
                labels={GIT_CREDENTIALS_LABEL: "true"},  # opt-in
            ),
            string_data={"username": "x-access-token", "password": GIT_TOKEN},
        ),
    )
    main_before = git("--git-dir", str(bare_repo), "rev-parse", "main").strip()

    tasks.create(
        "git-app",
        description="Containerize the Node.js Express app with a Dockerfile",
        workers=["docker-worker"],
        engine="generator",
        workspace={
            "git": {
                "url": f"file://{bare_repo}",
                "ref": "main",
                "credentialsSecret": "git-credentials",
            }
        },
    )
    status = tasks.wait_final("git-app", timeout=240)
    assert status["phase"] == "Succeeded", tasks.describe("git-app")

    # The bare repository has the task branch, one commit on top of main, with the files.
    branch = "devops/git-app"
    head = git("--git-dir", str(bare_repo), "rev-parse", branch).strip()
    assert git("--git-dir", str(bare_repo), "rev-parse", f"{branch}~1").strip() == main_before
    assert git("--git-dir", str(bare_repo), "rev-parse", "main").strip() == main_before
    changed = git(
        "--git-dir", str(bare_repo), "diff-tree", "--no-commit-id", "--name-only", "-r", head
    ).split()
    assert "Dockerfile" in changed and ".dockerignore" in changed, changed
    dockerfile = git("--git-dir", str(bare_repo), "show", f"{head}:Dockerfile")
    assert "EXPOSE 3000" in dockerfile and "USER" in dockerfile, dockerfile
    author = git("--git-dir", str(bare_repo), "log", "-1", "--format=%an", head).strip()
    assert author == "devops-orchestrator"

    # The reconciler's status: the worker's files, branch and commit.
    [worker] = status["workers"]
    assert worker["phase"] == "Succeeded"
    assert sorted(worker["filesCreated"]) == sorted(changed)
    result = status["result"]
    assert result["status"] == "completed"
    assert sorted(result["files_created"]) == sorted(changed)
    detail = result["details"]["docker-worker"]
    assert detail["git_branch"] == branch
    assert detail["git_commit"] == head
    assert "artifacts_configmap" not in detail  # the files are in git, not in a ConfigMap

    # The token is nowhere the cluster keeps: status, Events, the worker's ConfigMaps.
    api = tasks.api
    kept = {
        "status": json.dumps(tasks.get("git-app")),
        "events": json.dumps(
            api.sanitize_for_serialization(core.list_namespaced_event(tasks.namespace))
        ),
        "configmaps": json.dumps(
            api.sanitize_for_serialization(core.list_namespaced_config_map(tasks.namespace))
        ),
    }
    assert "git_commit" in kept["configmaps"]  # the scan sees the stored result
    assert [where for where, text in kept.items() if GIT_TOKEN in text] == []
