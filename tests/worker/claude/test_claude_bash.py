"""The Bash tool: cwd is the workspace, runaway commands are killed with their process
group, output is capped, and the environment holds no secrets."""

from __future__ import annotations

import os
import time
from pathlib import Path

from claude_support import SMALL_LIMITS

from devops_orchestrator.worker.claude.toolbox import Toolbox


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting for its reaper counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_runs_in_the_workspace(toolbox: Toolbox, workspace: Path) -> None:
    outcome = toolbox.run("Bash", {"command": "pwd; echo hi > made.txt; exit 3"})
    assert not outcome.is_error
    assert outcome.content.splitlines() == ["exit code 3", str(workspace.resolve())]
    assert (workspace / "made.txt").read_text() == "hi\n"


def test_timeout_kills_the_whole_process_group(toolbox: Toolbox, workspace: Path) -> None:
    command = "sh -c 'echo $$ > child.pid; exec sleep 100' & sleep 100"
    started = time.monotonic()
    outcome = toolbox.run("Bash", {"command": command, "timeout": 1})
    assert time.monotonic() - started < 10
    assert outcome.is_error
    assert "timed out after 1s" in outcome.content
    child = int((workspace / "child.pid").read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_runaway_output_is_capped(toolbox: Toolbox) -> None:
    outcome = toolbox.run("Bash", {"command": "yes", "timeout": 1})
    assert outcome.is_error
    assert "[output truncated:" in outcome.content
    assert len(outcome.content) < SMALL_LIMITS.bash_output_max_bytes + 300


def test_output_keeps_head_and_tail(toolbox: Toolbox) -> None:
    outcome = toolbox.run(
        "Bash", {"command": "echo START; head -c 50000 /dev/zero | tr '\\0' a; echo; echo END"}
    )
    assert not outcome.is_error
    assert outcome.content.startswith("exit code 0\nSTART")
    assert outcome.content.rstrip().endswith("END")
    assert "[output truncated: 50011 bytes" in outcome.content


def test_background_children_do_not_hang_the_tool(toolbox: Toolbox) -> None:
    started = time.monotonic()
    outcome = toolbox.run("Bash", {"command": "sleep 100 & echo started"})
    assert time.monotonic() - started < 10
    assert outcome.content == "exit code 0\nstarted\n"


def test_environment_is_an_allowlist(toolbox: Toolbox, workspace: Path) -> None:
    os.environ["DEVOPS_TEST_UNRELATED_SECRET"] = "hunter2"
    try:
        outcome = toolbox.run("Bash", {"command": "env"})
    finally:
        del os.environ["DEVOPS_TEST_UNRELATED_SECRET"]
    names = {line.split("=", 1)[0] for line in outcome.content.splitlines()[1:] if "=" in line}
    assert names <= {
        "PATH",
        "HOME",
        "PWD",
        "LANG",
        "LC_ALL",
        "TERM",
        "NO_COLOR",
        "SHLVL",
        "_",
        "OLDPWD",
    }
    assert f"HOME={workspace.resolve()}" in outcome.content
    assert "hunter2" not in outcome.content
    assert "ANTHROPIC" not in outcome.content


def test_validators_are_on_the_path(toolbox: Toolbox) -> None:
    outcome = toolbox.run("Bash", {"command": "hadolint --version"})
    assert outcome.content.startswith("exit code 0\n")
