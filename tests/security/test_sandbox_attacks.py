"""Red team, the sandbox: a hijacked model tries to read or write outside the workspace
(links, races, hard links), to touch `.git`, and to hang the worker with hostile search
patterns. Each attempt must fail to get its prize."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from devops_orchestrator.worker.claude.toolbox import Toolbox

OUTSIDE_SECRET = "outside-the-workspace-0f3c"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text(OUTSIDE_SECRET + "\n")
    return folder


def test_a_symlink_swapped_in_during_the_call_is_never_followed(
    toolbox: Toolbox, workspace: Path, outside: Path
) -> None:
    """A background thread points the link `d` at a folder inside the workspace, then
    at one outside, as fast as it can, while the model reads, greps and writes through
    `d` again and again: a check followed by an open by name would sometimes get
    through to the outside file."""
    real = workspace / "real"
    real.mkdir()
    (real / "secret.txt").write_text("inside\n")
    (workspace / "d").symlink_to(real, target_is_directory=True)
    stop = threading.Event()

    def flip() -> None:
        tmp, target = workspace / "d.tmp", workspace / "d"
        while not stop.is_set():
            for points_to in (real, outside):
                tmp.unlink(missing_ok=True)
                tmp.symlink_to(points_to, target_is_directory=True)
                os.replace(tmp, target)  # atomic: `d` always exists

    flipper = threading.Thread(target=flip, daemon=True)
    flipper.start()
    try:
        for _ in range(300):
            for tool, args in (
                ("Read", {"path": "d/secret.txt"}),
                ("Grep", {"pattern": "outside", "path": "d"}),
                ("Write", {"path": "d/planted.txt", "content": "x"}),
            ):
                outcome = toolbox.run(tool, args)
                assert OUTSIDE_SECRET not in outcome.content
            assert not (outside / "planted.txt").exists()
    finally:
        stop.set()
        flipper.join()
    assert (outside / "secret.txt").read_text() == OUTSIDE_SECRET + "\n"


@pytest.mark.parametrize("tool", ["Read", "Write", "Edit"])
def test_links_out_of_the_workspace_are_refused(
    toolbox: Toolbox, workspace: Path, outside: Path, tool: str
) -> None:
    (workspace / "file-link").symlink_to(outside / "secret.txt")
    (workspace / "dir-link").symlink_to(outside, target_is_directory=True)
    for path in ("file-link", "dir-link/secret.txt", "../outside/secret.txt", str(outside)):
        args = {"path": path, "content": "x", "old_string": OUTSIDE_SECRET, "new_string": "y"}
        outcome = toolbox.run(tool, args)
        assert outcome.is_error and OUTSIDE_SECRET not in outcome.content
    assert (outside / "secret.txt").read_text() == OUTSIDE_SECRET + "\n"


def test_a_hard_link_to_an_outside_file_is_not_written_through(
    toolbox: Toolbox, workspace: Path, outside: Path
) -> None:
    os.link(outside / "secret.txt", workspace / "hard.txt")
    for tool, args in (
        ("Write", {"path": "hard.txt", "content": "overwritten"}),
        ("Edit", {"path": "hard.txt", "old_string": "outside", "new_string": "pwned"}),
    ):
        outcome = toolbox.run(tool, args)
        assert outcome.is_error and "hard links" in outcome.content
    assert (outside / "secret.txt").read_text() == OUTSIDE_SECRET + "\n"


@pytest.mark.parametrize(
    ("tool", "path"),
    [
        ("Write", ".git/config"),
        ("Write", ".git/hooks/pre-commit"),
        ("Edit", ".git/config"),
        ("Read", ".git/config"),
        ("Write", "sub/../.git/info/attributes"),
        ("Write", "/WORKSPACE/.git/config"),
    ],
)
def test_the_git_folder_is_refused(toolbox: Toolbox, workspace: Path, tool: str, path: str) -> None:
    (workspace / ".git").mkdir()
    (workspace / ".git" / "config").write_text("[core]\n")
    args = {
        "path": path.replace("/WORKSPACE", str(workspace.resolve())),
        "content": '[filter "x"]\n\tclean = touch /tmp/pwned\n',
        "old_string": "[core]",
        "new_string": "[core]\n\thooksPath = /tmp",
    }
    outcome = toolbox.run(tool, args)
    assert outcome.is_error and ".git" in outcome.content
    assert (workspace / ".git" / "config").read_text() == "[core]\n"
    assert not (workspace / ".git" / "hooks").exists()


def test_catastrophic_regex_is_stopped_in_time(toolbox: Toolbox, workspace: Path) -> None:
    """Exponential backtracking: without a bound this runs for days."""
    (workspace / "input.txt").write_text("a" * 60 + "!\n")
    started = time.monotonic()
    outcome = toolbox.run("Grep", {"pattern": "(a|aa)+$"})
    assert time.monotonic() - started < 8  # the bound is 1 s, checked between steps
    assert outcome.is_error and "was stopped" in outcome.content
    assert toolbox.run("Grep", {"pattern": "(a+)+$"}).content == "no matches"


def test_exploding_glob_is_bounded(toolbox: Toolbox, workspace: Path) -> None:
    deep = workspace / "/".join("abcdefghijklmnop")
    deep.mkdir(parents=True)
    (deep / "x.txt").write_text("x")
    started = time.monotonic()
    outcome = toolbox.run("Glob", {"pattern": "**/" * 40 + "*.nomatch"})
    assert time.monotonic() - started < 5
    assert outcome.content == "no files match"
    assert toolbox.run("Glob", {"pattern": "**/" * 40 + "x.txt"}).content.endswith("p/x.txt")
    huge = toolbox.run("Glob", {"pattern": "*" * 5000})
    assert huge.is_error and "longer than" in huge.content
