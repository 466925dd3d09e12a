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
from devops_orchestrator.worker.gitops import GitError, check_url

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
        ("--upload-pack=touch /tmp/x", "blanks"),
        ("https://h/r.git\n", "blanks"),
        ("", "non-empty"),
        ("https://h/" + "r" * 3000, "longer than"),
        (42, "neither a URL"),
        ({"ref": "main"}, "non-empty"),
        ({"url": "https://h/r.git", "ref": 3}, "non-empty"),
        ({"url": "https://h/r.git", "branch": "a b"}, "blanks"),
    ],
)
def test_misshapen_repositories_are_refused(repository: Any, words: str) -> None:
    with pytest.raises(WorkspacePathError, match=words):
        build_git_workspace({"repository": repository})


def test_urls_are_left_to_the_git_hardening_of_the_worker() -> None:
    """Schemes, credentials and refs are checked where the clone happens (one home)."""
    found = build_git_workspace({"repository": "file:///srv/app.git", "ref": "-x"})
    assert found == {"git": {"url": "file:///srv/app.git", "ref": "-x"}}
    with pytest.raises(GitError, match="refused"):
        check_url(found["git"]["url"], allow_file=False)
