"""The Bash tool: cwd is the workspace, runaway commands are killed with their process
group, output is capped, and the environment holds no secrets."""

from __future__ import annotations

import os
import time
from pathlib import Path

from claude_support import SMALL_LIMITS

from devops_orchestrator.worker.claude.toolbox import Toolbox


def _running(marker: str) -> list[int]:
    """Live processes whose command line holds `marker` (zombies count as ended). By
    command line, not by a pid the command prints: in its PID namespace that pid is
    not ours."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes()
            status = (entry / "status").read_text()
        except (OSError, NotADirectoryError):
            continue
        if marker.encode() in cmdline and "\nState:\tZ" not in status:
            found.append(int(entry.name))
    return found


def _gone(marker: str) -> bool:
    deadline = time.monotonic() + 5
    while _running(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _running(marker)


def test_runs_in_the_workspace(toolbox: Toolbox, workspace: Path) -> None:
    outcome = toolbox.run("Bash", {"command": "pwd; echo hi > made.txt; exit 3"})
    assert not outcome.is_error
    assert outcome.content.splitlines() == ["exit code 3", str(workspace.resolve())]
    assert (workspace / "made.txt").read_text() == "hi\n"


def test_timeout_kills_the_whole_process_group(toolbox: Toolbox, workspace: Path) -> None:
    command = "sh -c 'exec sleep 100.0101' & sleep 100"
    started = time.monotonic()
    outcome = toolbox.run("Bash", {"command": command, "timeout": 1})
    assert time.monotonic() - started < 10
    assert outcome.is_error
    assert "timed out after 1s" in outcome.content
    assert _gone("100.0101")


def test_a_new_session_or_a_double_fork_does_not_escape(toolbox: Toolbox) -> None:
    """`setsid` leaves the process group; a double fork is orphaned to a reaper. Neither
    outlives the call."""
    command = (
        "setsid sleep 100.0202 >/dev/null 2>&1 < /dev/null & "
        "( ( exec -a sleep100.0303 sleep 100 >/dev/null 2>&1 & ) & ); "
        "setsid -f sh -c 'exec sleep 100.0404' >/dev/null 2>&1; echo launched"
    )
    outcome = toolbox.run("Bash", {"command": command})
    assert outcome.content == "exit code 0\nlaunched\n"
    assert _gone("100.0202") and _gone("sleep100.0303") and _gone("100.0404")


def test_a_command_is_bounded_by_the_time_left_in_the_run(toolbox: Toolbox) -> None:
    toolbox.ctx.time_left = lambda: 1.5
    started = time.monotonic()
    outcome = toolbox.run("Bash", {"command": "sleep 100.0505", "timeout": 600})
    assert time.monotonic() - started < 10 and "timed out after 1.5s" in outcome.content
    toolbox.ctx.time_left = lambda: 0.0
    outcome = toolbox.run("Bash", {"command": "echo never"})
    assert outcome.is_error and "no time left" in outcome.content


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
