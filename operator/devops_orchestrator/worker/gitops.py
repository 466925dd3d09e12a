"""A git workspace: fetch the start point, commit the generated files on the task's
branch, push.

Everything about the remote is hostile input (the task spec) and everything in the
workspace may have been written by a hijacked model, so:

- the URL must be https or ssh (`file://` and local paths only when
  `DEVOPS_GIT_ALLOW_FILE_URLS` is set), without credentials in it;
- `ref` and the push branch pass `git check-ref-format` and never start with `-`;
  every command puts `--end-of-options` before what came from the spec;
- git runs with a minimal environment, no system config, a global config of ours, and
  before each command the repository's own config is rewritten from what we know, its
  hooks and `info/attributes` removed, and `-c` settings turn off hooks, fsmonitor and
  foreign protocols: nothing a tool wrote into `.git` is run or obeyed;
- credentials stay in the worker's memory and reach git only through `GIT_ASKPASS`
  (a script of ours that prints two variables set for that one git process), never in
  a URL, a log line or a result.

Workers of one task run one after another on the same branch: when
`devops/<task-name>` already exists on the remote, the worker starts from it (so each
stage sees the files of the previous ones), else from `ref`. A push refused because
another worker pushed first is retried after a rebase.

A remote on the local filesystem usually belongs to another user than the worker's:
git refuses it as of "dubious ownership" and drops `-c` settings on the local
transport, so our global config names that remote, and only it, a safe directory."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from devops_orchestrator.core.redaction import redact as redact_secrets
from devops_orchestrator.models import GitWorkspace

AUTHOR_NAME = "devops-orchestrator"
AUTHOR_EMAIL = "devops-orchestrator@agentnet.invalid"
PUSH_ATTEMPTS = 3
GIT_TIMEOUT_SECONDS = 300
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
_SCP_LIKE = re.compile(r"^(?:(?P<user>[A-Za-z0-9._-]+)@)?(?P<host>[A-Za-z0-9.-]+):(?P<path>.+)$")
_FULL_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
_ALLOWED_SCHEMES = frozenset({"https", "ssh"})

# Settings given with -c win over any config file; they disarm what a tool could plant.
_SAFE_CONFIG = (
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "core.attributesFile=/dev/null",
    "core.sshCommand=ssh",
    "credential.helper=",
    "protocol.allow=never",
    "protocol.https.allow=always",
    "protocol.ssh.allow=always",
    "http.followRedirects=initial",
    "submodule.recurse=false",
    "safe.directory=*",
)

_ASKPASS = """#!/bin/sh
# Answers git's credential prompts with what the worker set for this git process.
case "$1" in
  Username*) printf '%s\\n' "${DEVOPS_GIT_USERNAME:-x-access-token}" ;;
  *) printf '%s\\n' "${DEVOPS_GIT_PASSWORD:-}" ;;
esac
"""


class GitError(RuntimeError):
    """A git step failed or the spec is refused; the message has no credentials in it."""


@dataclass(frozen=True)
class GitCredentials:
    username: str = "x-access-token"
    password: str = ""

    def __repr__(self) -> str:  # never print the password
        return f"GitCredentials(username={self.username!r}, password=***)"


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Remove user:password@ from URLs and the given secrets from any text."""
    return redact_secrets(_USERINFO.sub("***@", text), secrets)


# --- What the spec may ask for ---------------------------------------------------------


def check_url(url: str, *, allow_file: bool) -> None:
    """Refuse schemes other than https/ssh (file only when allowed) and credentials."""
    if not url or url.startswith("-") or any(ch in url for ch in "\x00\n\r\t "):
        raise GitError("the git URL is empty or contains forbidden characters")
    if url.startswith("/") or url.startswith("file://"):
        if not allow_file:
            raise GitError(
                "file:// and local-path git URLs are refused (set DEVOPS_GIT_ALLOW_FILE_URLS)"
            )
        return
    if "://" not in url:
        scp = _SCP_LIKE.match(url)
        if scp is None or "::" in url:
            raise GitError("the git URL must be https://, ssh:// or user@host:path")
        return
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in _ALLOWED_SCHEMES:
        raise GitError(f"the git URL scheme {parts.scheme!r} is refused; use https or ssh")
    if not parts.hostname:
        raise GitError("the git URL has no host")
    if parts.password is not None or (parts.scheme.lower() == "https" and parts.username):
        raise GitError("the git URL carries credentials; use credentialsSecret instead")


def check_ref(name: str, what: str) -> None:
    """`name` is a valid ref or branch name (or a full commit id) and not an option."""
    if not name or name.startswith("-") or any(ord(ch) < 0x20 for ch in name):
        raise GitError(f"the {what} {name!r} is not a valid git ref")
    if _FULL_SHA.match(name):
        return
    done = subprocess.run(
        ["git", "check-ref-format", "--allow-onelevel", name],
        env=minimal_env(),
        capture_output=True,
        timeout=30,
        check=False,
    )
    if done.returncode != 0:
        raise GitError(f"the {what} {name!r} is not a valid git ref")


def branch_name(spec: GitWorkspace, task_name: str) -> str:
    return spec.push_branch or f"devops/{task_name}"


def local_remote_path(url: str) -> str | None:
    """The folder of a remote on this filesystem (`file://` URL or a path), else None."""
    if url.startswith("file://"):
        return urllib.parse.unquote(urllib.parse.urlsplit(url).path) or None
    if url.startswith("/"):
        return url
    return None


# --- How git runs ------------------------------------------------------------------------


def minimal_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """What git needs and nothing else: no API key, no tokens, no GIT_* of the caller."""
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
    }
    return {**env, **(extra or {})}


def build_global_config(url: str) -> str:
    """The worker's global git config: only a local remote trusted."""
    lines = ["[user]", f"\tname = {AUTHOR_NAME}", f"\temail = {AUTHOR_EMAIL}"]
    remote = local_remote_path(url)
    if remote is not None:
        trusted = dict.fromkeys([remote.rstrip("/") or "/", os.path.realpath(remote)])
        lines += ["[safe]", *(f"\tdirectory = {_quote(path)}" for path in trusted)]
    return "\n".join(lines) + "\n"


def build_repo_config(url: str) -> str:
    """The repository's config, rewritten before every command from what we know."""
    return "\n".join(
        [
            "[core]",
            "\trepositoryformatversion = 0",
            "\tfilemode = true",
            "\tbare = false",
            "\tlogallrefupdates = true",
            '[remote "origin"]',
            f"\turl = {_quote(url)}",
            "\tfetch = +refs/heads/*:refs/remotes/origin/*",
            "",
        ]
    )


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class GitRepo:
    path: Path
    branch: str
    spec: GitWorkspace
    private_dir: Path  # askpass script and global config; rewritten before each command
    credentials: GitCredentials = field(default_factory=GitCredentials)

    def _rearm(self) -> None:
        """Put back our askpass, our global config and the repository's config, and
        remove what could run code (hooks) or rewrite content (attributes)."""
        script = self.private_dir / "askpass.sh"
        script.unlink(missing_ok=True)
        script.write_text(_ASKPASS, encoding="utf-8")
        script.chmod(stat.S_IRWXU)
        (self.private_dir / "gitconfig").write_text(
            build_global_config(self.spec.url), encoding="utf-8"
        )
        git_dir = self.path / ".git"
        if git_dir.is_symlink() or (git_dir.exists() and not git_dir.is_dir()):
            raise GitError("the workspace's .git is not a directory; refusing to use it")
        if not git_dir.is_dir():
            return
        for name in ("hooks", "info/attributes", "commondir", "config.worktree", "modules"):
            target = git_dir / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
        config = git_dir / "config"
        config.unlink(missing_ok=True)
        config.write_text(build_repo_config(self.spec.url), encoding="utf-8")

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        self._rearm()
        env = minimal_env(
            {
                "GIT_ASKPASS": str(self.private_dir / "askpass.sh"),
                "GIT_CONFIG_GLOBAL": str(self.private_dir / "gitconfig"),
                "DEVOPS_GIT_USERNAME": self.credentials.username,
                "DEVOPS_GIT_PASSWORD": self.credentials.password,
            }
        )
        allowed = [*_SAFE_CONFIG]
        if local_remote_path(self.spec.url) is not None:  # only when check_url let it in
            allowed.append("protocol.file.allow=always")
        settings = [part for item in allowed for part in ("-c", item)]
        done = subprocess.run(
            ["git", *settings, *args],
            cwd=self.path,
            env=env,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
        if check and done.returncode != 0:
            raise GitError(f"git {args[0]} failed: {self.redact(done.stderr.strip())[-1500:]}")
        return done

    def redact(self, text: str) -> str:
        return redact(text, (self.credentials.password,))


def clone(
    spec: GitWorkspace,
    path: Path,
    task_name: str,
    *,
    credentials: GitCredentials | None = None,
    allow_file: bool = False,
) -> GitRepo:
    """Prepare `path` (empty or missing) as a checkout of the task branch or `ref`."""
    check_url(spec.url, allow_file=allow_file)
    branch = branch_name(spec, task_name)
    check_ref(spec.ref, "ref")
    check_ref(branch, "push branch")
    path.mkdir(parents=True, exist_ok=True)
    if any(path.iterdir()):
        raise GitError(f"the workspace {path} is not empty; a git workspace needs an empty one")
    private_dir = Path(tempfile.mkdtemp(prefix="devops-git-"))
    repo = GitRepo(path, branch, spec, private_dir, credentials or GitCredentials())
    repo.run("init", "-q")
    heads = repo.run(
        "ls-remote", "--heads", "--end-of-options", "origin", f"refs/heads/{branch}"
    ).stdout.strip()
    start = f"refs/heads/{branch}" if heads else spec.ref
    repo.run("fetch", "-q", "--no-tags", "--depth", "50", "--end-of-options", "origin", start)
    # `branch` passed check_ref (no leading "-"); "--" ends the revisions.
    repo.run("checkout", "-q", "-B", branch, "FETCH_HEAD", "--")
    return repo


def commit_and_push(repo: GitRepo, files: list[str], message: str) -> str | None:
    """Commit `files` and push the branch; the new commit, or None when nothing changed."""
    files = [name for name in files if not _in_git_dir(name)]
    if not files:
        return None
    repo.run("add", "--", *files)
    if repo.run("diff", "--cached", "--quiet", check=False).returncode == 0:
        return None
    repo.run("commit", "-q", "--no-verify", "-m", message)
    refspec = f"HEAD:refs/heads/{repo.branch}"
    for attempt in range(1, PUSH_ATTEMPTS + 1):
        pushed = repo.run(
            "push", "-q", "--no-verify", "--end-of-options", "origin", refspec, check=False
        )
        if pushed.returncode == 0:
            break
        if attempt == PUSH_ATTEMPTS:
            raise GitError(f"git push failed: {repo.redact(pushed.stderr.strip())[-1500:]}")
        repo.run("fetch", "-q", "--end-of-options", "origin", f"refs/heads/{repo.branch}")
        repo.run("rebase", "-q", "--no-verify", "--end-of-options", "FETCH_HEAD")
    return repo.run("rev-parse", "--verify", "--end-of-options", "HEAD").stdout.strip()


def _in_git_dir(name: str) -> bool:
    return ".git" in Path(name).parts
