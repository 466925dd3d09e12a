"""Red team, git: a hostile spec or a hijacked model tries to run code through git, to
send the credentials elsewhere, or to reach a remote it should not. Each attack must
fail to get its prize (a marker file, a request to the attacker's remote)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from devops_orchestrator.config import get_settings
from devops_orchestrator.models import Briefing, GitWorkspace, WorkspaceSpec
from devops_orchestrator.worker.gitops import (
    GitCredentials,
    GitError,
    check_url,
    clone,
    commit_and_push,
    minimal_env,
)
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


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = tmp_path / "seed"
    seed.mkdir()
    (seed / "app.py").write_text("print('hi')\n")
    git(seed, "init", "-q", "-b", "main")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "the app")
    git(seed, "push", "-q", str(bare), "main")
    return bare


@pytest.mark.parametrize(
    "ref",
    [
        "--upload-pack=touch {marker}",
        "-c core.sshCommand=touch {marker}",
        "main; touch {marker}",
        "refs/heads/a..b",
        "main\ntouch {marker}",
        "",
    ],
)
def test_a_ref_that_is_an_option_or_invalid_is_refused(
    tmp_path: Path, remote: Path, ref: str
) -> None:
    marker = tmp_path / "pwned"
    spec = GitWorkspace(url=f"file://{remote}", ref=ref.format(marker=marker))
    with pytest.raises(GitError, match="not a valid git ref"):
        clone(spec, tmp_path / "ws", "t", allow_file=True)
    assert not marker.exists()


def test_a_push_branch_that_is_an_option_is_refused(tmp_path: Path, remote: Path) -> None:
    marker = tmp_path / "pwned"
    spec = GitWorkspace(
        url=f"file://{remote}", ref="main", pushBranch=f"--receive-pack=touch {marker}"
    )
    with pytest.raises(GitError, match="push branch"):
        clone(spec, tmp_path / "ws", "t", allow_file=True)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ext::sh -c touch% /tmp/pwned", "forbidden characters|must be"),
        ("ext::sh", "must be https"),
        ("http://git.example.com/app.git", "scheme 'http' is refused"),
        ("git://git.example.com/app.git", "scheme 'git' is refused"),
        ("https://x-access-token:ghp_secret@github.com/o/a.git", "carries credentials"),
        ("https://ghp_secret@github.com/o/a.git", "carries credentials"),
        ("ssh://git:hunter2@github.com/o/a.git", "carries credentials"),
        ("file:///srv/git/app.git", "DEVOPS_GIT_ALLOW_FILE_URLS"),
        ("/srv/git/app.git", "DEVOPS_GIT_ALLOW_FILE_URLS"),
        ("-oProxyCommand=touch /tmp/pwned", "forbidden characters"),
        ("--upload-pack=x", "forbidden characters"),
    ],
)
def test_urls_outside_https_and_ssh_or_with_credentials_are_refused(url: str, reason: str) -> None:
    with pytest.raises(GitError, match=reason):
        check_url(url, allow_file=False)


@pytest.mark.parametrize(
    "url", ["https://github.com/o/a.git", "ssh://git@github.com/o/a.git", "git@github.com:o/a"]
)
def test_https_and_ssh_urls_pass(url: str) -> None:
    check_url(url, allow_file=False)


def test_what_a_tool_plants_in_dot_git_is_neither_run_nor_obeyed(
    tmp_path: Path, remote: Path
) -> None:
    """After the clone, a hijacked model (Bash) plants a clean filter, a hook, an
    fsmonitor, a redirect of the remote to its own repository and a credential helper.
    The worker's commit and push run none of them and push to the real remote."""
    marker = tmp_path / "pwned"
    attacker = tmp_path / "attacker.git"
    git(tmp_path, "init", "-q", "--bare", str(attacker))
    spec = GitWorkspace(url=f"file://{remote}", ref="main")
    credentials = GitCredentials(password="ghp_planted-attack-token")
    repo = clone(spec, tmp_path / "ws", "t", credentials=credentials, allow_file=True)
    ws = repo.path
    with (ws / ".git" / "config").open("a") as config:
        config.write(
            f'[filter "evil"]\n\tclean = touch {marker}; cat\n\tsmudge = cat\n'
            f"[core]\n\tfsmonitor = touch {marker}\n"
            f'[url "file://{attacker}"]\n\tinsteadOf = file://{remote}\n'
            f"[credential]\n\thelper = !touch {marker}\n"
        )
    (ws / ".git" / "hooks").mkdir(exist_ok=True)
    (ws / ".git" / "hooks" / "pre-commit").write_text(f"#!/bin/sh\ntouch {marker}\n")
    (ws / ".git" / "hooks" / "pre-commit").chmod(0o755)
    (ws / ".git" / "hooks" / "pre-push").write_text(f"#!/bin/sh\ntouch {marker}\n")
    (ws / ".git" / "hooks" / "pre-push").chmod(0o755)
    (ws / ".gitattributes").write_text("* filter=evil\n")
    (ws / "Dockerfile").write_text("FROM python:3.12-slim\n")

    commit = commit_and_push(repo, ["Dockerfile", ".gitattributes", ".git/config"], "add")

    assert not marker.exists()
    assert commit == git(remote, "rev-parse", "refs/heads/devops/t")
    assert git(attacker, "for-each-ref") == ""  # nothing reached the attacker's remote
    pushed = git(remote, "ls-tree", "-r", "--name-only", "devops/t").splitlines()
    assert ".git/config" not in pushed and "Dockerfile" in pushed


def test_git_runs_with_a_minimal_environment(
    tmp_path: Path, remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker's environment (API key, GIT_* redirections) does not reach git."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-must-not-reach-git")
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("GIT_SSH_COMMAND", f"touch {tmp_path / 'pwned'}")
    spec = GitWorkspace(url=f"file://{remote}", ref="main")
    repo = clone(spec, tmp_path / "ws", "t", allow_file=True)
    assert (repo.path / ".git" / "HEAD").is_file()  # GIT_DIR was not obeyed
    assert not (tmp_path / "elsewhere").exists() and not (tmp_path / "pwned").exists()
    assert set(minimal_env()) == {
        "PATH",
        "HOME",
        "LANG",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_TERMINAL_PROMPT",
    }


def test_a_secret_not_labelled_for_git_is_never_used(
    tmp_path: Path, remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operator renders no credentials for an unlabelled Secret and tells the worker
    why; the worker fails with that reason before any git command."""
    monkeypatch.setenv("DEVOPS_GIT_CREDENTIALS_REFUSED", "the Secret 'db' is not marked")
    monkeypatch.setenv("DEVOPS_GIT_ALLOW_FILE_URLS", "true")
    get_settings.cache_clear()
    spec = WorkspaceSpec(git=GitWorkspace(url=f"file://{remote}", credentialsSecret="db"))
    briefing = Briefing(
        task_name="t", namespace="ns", worker="docker-worker", description="x", workspace=spec
    )
    try:
        with pytest.raises(GitError, match="'db' is not marked"):
            run_worker(briefing, tmp_path / "ws")
    finally:
        get_settings.cache_clear()
    assert not (tmp_path / "ws" / ".git").exists()
