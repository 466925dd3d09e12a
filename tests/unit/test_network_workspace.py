"""context.workspace and context.repository -> the task's workspace (pure)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import pytest

from devops_orchestrator.core.network_repository import build_git_workspace
from devops_orchestrator.core.network_workspace import (
    SharedWorkspace,
    WorkspacePathError,
    build_volume_workspace,
    parse_network_path,
)

SHARED = SharedWorkspace(claim="network-workspace", root="/workspace")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/workspace", "/workspace"),
        ("/workspace/", "/workspace"),
        ("//workspace//app/./src", "/workspace/app/src"),
        ("/", "/"),
    ],
)
def test_clean_paths_are_normalised(value: str, expected: str) -> None:
    assert parse_network_path(value) == PurePosixPath(expected)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (None, "not a string"),
        (7, "not a string"),
        ("", "empty"),
        ("workspace/app", "not an absolute path"),
        ("/workspace/../etc", "'..'"),
        ("/workspace/app/..", "'..'"),
        ("/workspace/a\x00b", "control characters"),
        ("/workspace/a\nb", "control characters"),
        ("/" + "a" * 2000, "longer than"),
        ("/workspace/" + "b" * 300, "name longer than"),
    ],
)
def test_unusable_paths_fail_with_the_reason(value: Any, words: str) -> None:
    with pytest.raises(WorkspacePathError, match=words.replace(".", r"\.")):
        parse_network_path(value)


@pytest.mark.parametrize(
    ("context", "sub_path"),
    [
        ({}, ""),
        ({"workspace": "/workspace"}, ""),
        ({"workspace": "/workspace/"}, ""),
        ({"workspace": "/workspace/app"}, "app"),
        ({"workspace": "/workspace/team/app/"}, "team/app"),
    ],
)
def test_the_network_path_becomes_the_claims_sub_path(
    context: dict[str, Any], sub_path: str
) -> None:
    assert build_volume_workspace(context, SHARED) == {
        "volume": {"claimName": "network-workspace", "subPath": sub_path}
    }


@pytest.mark.parametrize("path", ["/etc", "/workspaces/app", "/", "/workspace/../etc"])
def test_paths_outside_the_root_are_refused(path: str) -> None:
    with pytest.raises(WorkspacePathError) as caught:
        build_volume_workspace({"workspace": path}, SHARED)
    assert "context.workspace" in str(caught.value)


def test_a_root_other_than_workspace() -> None:
    shared = SharedWorkspace(claim="c", root="/data/net")
    assert build_volume_workspace({"workspace": "/data/net/x"}, shared)["volume"]["subPath"] == "x"


@pytest.mark.parametrize(
    ("context", "ref"),
    [
        ({"repository": "https://github.com/org/app.git"}, "main"),
        ({"repository": "https://github.com/org/app.git", "branch": "develop"}, "develop"),
        ({"repository": "https://github.com/org/app.git", "ref": "v1.2.0"}, "v1.2.0"),
        ({"repository": {"url": "https://github.com/org/app.git", "ref": "rel/2"}}, "rel/2"),
        ({"repository": {"url": "https://github.com/org/app.git", "branch": "feat-x"}}, "feat-x"),
    ],
)  # fmt: skip
def test_a_repository_becomes_a_git_workspace(context: dict[str, Any], ref: str) -> None:
    url = "https://github.com/org/app.git"
    assert build_git_workspace(context) == {"git": {"url": url, "ref": ref}}


def test_no_repository_no_git_workspace() -> None:
    assert build_git_workspace({"workspace": "/workspace"}) is None


@pytest.mark.parametrize(
    ("repository", "words"),
    [
        ("ext::sh%-c%touch%/tmp/pwned", "scheme is not allowed"),
        ("file:///etc/secret-repo", "scheme is not allowed"),
        ("/srv/git/app.git", "scheme is not allowed"),
        ("--upload-pack=touch /tmp/x", "blanks"),
        ("-oProxyCommand=x", "scheme is not allowed"),
        ("git@github.com:org/app.git", "scheme is not allowed"),
        ("https://user:ghp_secret@github.com/org/app.git", "credentials"),
        ("https://ghp_token@github.com/org/app.git", "credentials"),
        ("https:///no-host", "no host"),
        (42, "neither a URL"),
        ({"ref": "main"}, "no URL"),
    ],
)
def test_hostile_repositories_are_refused(repository: Any, words: str) -> None:
    with pytest.raises(WorkspacePathError, match=words):
        build_git_workspace({"repository": repository})


@pytest.mark.parametrize("ref", ["-x", "a..b", "a b", "ref~1", "a:b", "x.lock", "/abs", "", "@"])
def test_bad_refs_are_refused(ref: str) -> None:
    with pytest.raises(WorkspacePathError, match=r"ref|branch"):
        build_git_workspace({"repository": {"url": "https://h/r.git", "ref": ref}})


def test_allowed_schemes_are_the_operators_choice() -> None:
    found = build_git_workspace({"repository": "file:///srv/app.git"}, schemes=("file",))
    assert found == {"git": {"url": "file:///srv/app.git", "ref": "main"}}
    ssh = build_git_workspace({"repository": "ssh://git@host/app.git"}, schemes=("ssh", "https"))
    assert ssh is not None and ssh["git"]["url"] == "ssh://git@host/app.git"
