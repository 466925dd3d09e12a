"""A git workspace: clone from a (local, bare) remote, commit on devops/<task>, push."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from workerkit import APPS, make_briefing

from devops_orchestrator.models import GitWorkspace, WorkspaceSpec
from devops_orchestrator.worker.gitops import GitError, build_global_config, redact
from devops_orchestrator.worker.runner import run_worker


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture(autouse=True)
def _local_remotes_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """These remotes are local folders: allowed only when configured (see gitops)."""
    monkeypatch.setenv("DEVOPS_GIT_ALLOW_FILE_URLS", "true")


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare repository holding the Go sample app on `main`."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = tmp_path / "seed"
    shutil.copytree(APPS / "go-nethttp", seed)
    git(seed, "init", "-q", "-b", "main")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "the app")
    git(seed, "push", "-q", str(bare), "main")
    return bare


def test_workers_push_commits_on_the_task_branch(
    tmp_path: Path, remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_TOKEN", "s3cr3t-token")
    spec = WorkspaceSpec(git=GitWorkspace(url=f"file://{remote}", ref="main"))
    docker = run_worker(
        make_briefing("docker-worker", task_name="shop", workspace=spec), tmp_path / "ws1"
    )
    assert docker.git_branch == "devops/shop"
    assert docker.git_commit == git(remote, "rev-parse", "refs/heads/devops/shop")
    files = git(remote, "ls-tree", "-r", "--name-only", "devops/shop").splitlines()
    assert {"Dockerfile", ".dockerignore", "compose.yaml", "main.go"} <= set(files)
    assert git(remote, "log", "-1", "--format=%an %s", "devops/shop").startswith(
        "devops-orchestrator docker-worker: "
    )

    # The next stage starts from the task branch, so it sees the docker-worker's files.
    infra = run_worker(
        make_briefing("infra-worker", task_name="shop", workspace=spec), tmp_path / "ws2"
    )
    assert infra.git_commit == git(remote, "rev-parse", "refs/heads/devops/shop")
    assert git(remote, "rev-parse", f"{infra.git_commit}^") == docker.git_commit
    assert "Dockerfile" not in infra.files_created
    assert "s3cr3t-token" not in infra.model_dump_json()
    assert git(remote, "rev-parse", "main") != docker.git_commit  # main untouched


def test_push_branch_override_and_clear_errors(tmp_path: Path, remote: Path) -> None:
    spec = WorkspaceSpec(
        git=GitWorkspace(url=f"file://{remote}", ref="main", pushBranch="feature/containers")
    )
    result = run_worker(make_briefing("docker-worker", workspace=spec), tmp_path / "ws")
    assert result.git_branch == "feature/containers"
    assert git(remote, "rev-parse", "feature/containers") == result.git_commit

    missing = WorkspaceSpec(git=GitWorkspace(url=f"file://{tmp_path}/nope.git"))
    with pytest.raises(GitError, match="git ls-remote failed"):
        run_worker(make_briefing("docker-worker", workspace=missing), tmp_path / "ws3")


def test_redact_removes_credentials() -> None:
    assert redact("fatal: https://bob:hunter2@git.example.com/x.git") == (
        "fatal: https://***@git.example.com/x.git"
    )


def test_a_local_remote_owned_by_another_user_is_trusted(
    tmp_path: Path, remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git refuses a repository of another owner ("dubious ownership") and drops `-c`
    settings on the local transport; the worker's own global config trusts that remote,
    and only it, and includes nothing else."""
    other = os.getuid() + 4242
    for path in [remote, *remote.rglob("*")]:
        os.chown(path, other, other, follow_symlinks=False)
        path.chmod(path.stat().st_mode | (0o077 if path.is_dir() else 0o066))
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = someone\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    refused = subprocess.run(
        ["git", "ls-remote", f"file://{remote}"], capture_output=True, text=True, check=False
    )
    assert "dubious ownership" in refused.stderr  # the situation of a worker Job

    spec = WorkspaceSpec(git=GitWorkspace(url=f"file://{remote}", ref="main"))
    result = run_worker(
        make_briefing("docker-worker", task_name="owned", workspace=spec), tmp_path / "ws"
    )
    assert result.git_commit is not None
    pushed = subprocess.run(
        ["git", "-c", "safe.directory=*", "--git-dir", str(remote), "rev-parse", "devops/owned"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert pushed.stdout.strip() == result.git_commit

    config = build_global_config(f"file://{remote}")
    assert f'directory = "{remote}"' in config and "include" not in config
    assert "[safe]" not in build_global_config("https://example.com/org/app.git")
