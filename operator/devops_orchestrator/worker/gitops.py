"""A git workspace: fetch the start point, commit the generated files on the task's
branch, push.

Credentials never enter a URL, a log line or a result: git asks `GIT_ASKPASS`, a small
script that prints `GIT_USERNAME`/`GIT_TOKEN` from the environment or, failing that, the
`username` and `password` (or `token`) files of the mounted credentials Secret.

Workers of one task run one after another on the same branch: when
`devops/<task-name>` already exists on the remote, the worker starts from it (so each
stage sees the files of the previous ones), else from `ref`. A push refused because
another worker pushed first is retried after a rebase.

A remote on the local filesystem (`file://`, a path) usually belongs to another user
than the worker's (uid 10001): git then refuses it as of "dubious ownership", and for
the local transport it drops `-c` settings before running upload-pack/receive-pack. So
git runs with a global config of its own (`GIT_CONFIG_GLOBAL`) that includes the
person's usual one and names that remote, and only it, a safe directory."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from devops_orchestrator.models import GitWorkspace

CREDENTIALS_DIR = "/var/run/secrets/devops/git"
AUTHOR_NAME = "devops-orchestrator"
AUTHOR_EMAIL = "devops-orchestrator@agentnet.invalid"
PUSH_ATTEMPTS = 3
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")

_ASKPASS = """#!/bin/sh
# Answers git's credential prompts from the environment or the mounted Secret.
dir="${DEVOPS_GIT_CREDENTIALS_DIR:-@DIR@}"
case "$1" in
  Username*)
    if [ -n "${GIT_USERNAME:-}" ]; then printf '%s\\n' "$GIT_USERNAME"
    elif [ -r "$dir/username" ]; then cat "$dir/username"
    else printf '%s\\n' "x-access-token"; fi ;;
  *)
    if [ -n "${GIT_TOKEN:-}" ]; then printf '%s\\n' "$GIT_TOKEN"
    elif [ -r "$dir/password" ]; then cat "$dir/password"
    elif [ -r "$dir/token" ]; then cat "$dir/token"; fi ;;
esac
""".replace("@DIR@", CREDENTIALS_DIR)


class GitError(RuntimeError):
    """A git step failed; the message has no credentials in it."""


def redact(text: str) -> str:
    """Remove user:password@ from URLs and known tokens from any text."""
    text = _USERINFO.sub("***@", text)
    token = os.environ.get("GIT_TOKEN")
    return text.replace(token, "***") if token else text


@dataclass
class GitRepo:
    path: Path
    branch: str
    spec: GitWorkspace
    askpass_dir: Path

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "GIT_ASKPASS": str(self.askpass_dir / "askpass.sh"),
            "GIT_CONFIG_GLOBAL": str(self.askpass_dir / "gitconfig"),
            "GIT_TERMINAL_PROMPT": "0",
        }
        command = ["git", "-c", "safe.directory=*", "-c", "credential.helper=", *args]
        done = subprocess.run(
            command,
            cwd=self.path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check and done.returncode != 0:
            raise GitError(f"git {args[0]} failed: {redact(done.stderr.strip())[-1500:]}")
        return done


def branch_name(spec: GitWorkspace, task_name: str) -> str:
    return spec.push_branch or f"devops/{task_name}"


def local_remote_path(url: str) -> str | None:
    """The folder of a remote on this filesystem (`file://` URL or a path), else None."""
    if url.startswith("file://"):
        return urllib.parse.unquote(urllib.parse.urlsplit(url).path) or None
    if url.startswith("/"):
        return url
    return None


def build_global_config(url: str, previous: str | None) -> str:
    """The worker's global git config: the usual one included, a local remote trusted."""
    included = [previous] if previous else ["~/.gitconfig", "~/.config/git/config"]
    lines = ["[include]", *(f"\tpath = {_quote(path)}" for path in included)]
    remote = local_remote_path(url)
    if remote is not None:
        trusted = dict.fromkeys([remote.rstrip("/") or "/", os.path.realpath(remote)])
        lines += ["[safe]", *(f"\tdirectory = {_quote(path)}" for path in trusted)]
    return "\n".join(lines) + "\n"


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def clone(spec: GitWorkspace, path: Path, task_name: str) -> GitRepo:
    """Prepare `path` (empty or missing) as a checkout of the task branch or `ref`."""
    path.mkdir(parents=True, exist_ok=True)
    if any(path.iterdir()):
        raise GitError(f"the workspace {path} is not empty; a git workspace needs an empty one")
    askpass_dir = Path(tempfile.mkdtemp(prefix="devops-git-"))
    script = askpass_dir / "askpass.sh"
    script.write_text(_ASKPASS, encoding="utf-8")
    script.chmod(stat.S_IRWXU)
    config = build_global_config(spec.url, os.environ.get("GIT_CONFIG_GLOBAL"))
    (askpass_dir / "gitconfig").write_text(config, encoding="utf-8")
    repo = GitRepo(path, branch_name(spec, task_name), spec, askpass_dir)
    repo.run("init", "-q")
    repo.run("remote", "add", "origin", spec.url)
    heads = repo.run("ls-remote", "--heads", "origin", repo.branch).stdout.strip()
    start = f"refs/heads/{repo.branch}" if heads else spec.ref
    repo.run("fetch", "-q", "--depth", "50", "origin", start)
    repo.run("checkout", "-q", "-B", repo.branch, "FETCH_HEAD")
    return repo


def commit_and_push(repo: GitRepo, files: list[str], message: str) -> str | None:
    """Commit `files` and push the branch; the new commit, or None when nothing changed."""
    if not files:
        return None
    repo.run("add", "--", *files)
    if repo.run("diff", "--cached", "--quiet", check=False).returncode == 0:
        return None
    repo.run(
        "-c",
        f"user.name={AUTHOR_NAME}",
        "-c",
        f"user.email={AUTHOR_EMAIL}",
        "commit",
        "-q",
        "-m",
        message,
    )
    for attempt in range(1, PUSH_ATTEMPTS + 1):
        pushed = repo.run("push", "-q", "origin", f"HEAD:refs/heads/{repo.branch}", check=False)
        if pushed.returncode == 0:
            break
        if attempt == PUSH_ATTEMPTS:
            raise GitError(f"git push failed: {redact(pushed.stderr.strip())[-1500:]}")
        repo.run("fetch", "-q", "origin", f"refs/heads/{repo.branch}")
        repo.run(
            "-c",
            f"user.name={AUTHOR_NAME}",
            "-c",
            f"user.email={AUTHOR_EMAIL}",
            "rebase",
            "-q",
            "FETCH_HEAD",
        )
    return repo.run("rev-parse", "HEAD").stdout.strip()
