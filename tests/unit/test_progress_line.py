"""A worker's log line -> a tool call's progress: real lines of the worker's own
format, and hostile ones (the model chooses tool arguments)."""

from __future__ import annotations

import pytest

from devops_orchestrator.core.progress import (
    ARGUMENT_MAX_CHARS,
    ToolCall,
    parse_tool_line,
    render_progress,
    worker_label,
)
from devops_orchestrator.worker.claude.runlog import logfmt, short_argument

SECRET = "sk-ant-operator-key-0123456789"


def worker_line(tool: str, args: dict[str, object], *, error: bool = False) -> str:
    """The line the claude engine logs for a tool call (runlog's format, as the worker's
    logging prints it), built by the worker's own code."""
    argument = short_argument(tool, args, [SECRET])
    return "INFO " + logfmt(tool=tool, arg=argument, error=error, duration_s=0.012, chars=64)


@pytest.mark.parametrize(
    ("tool", "args", "argument"),
    [
        ("Write", {"path": "Dockerfile", "content": "FROM node"}, "Dockerfile"),
        ("Bash", {"command": "npm ci && npm test"}, "npm ci && npm test"),
        ("Grep", {"pattern": 'a="b"', "path": "."}, 'a="b"'),
        ("Glob", {"pattern": ""}, ""),
        ("Read", {"path": "a b/c.txt"}, "a b/c.txt"),
        ("submit_result", {"summary": "x", "files_created": []}, "files_created,summary"),
    ],
)
def test_the_workers_own_lines_parse(tool: str, args: dict[str, object], argument: str) -> None:
    call = parse_tool_line(worker_line(tool, args))
    assert call == ToolCall(tool, argument, False, 0.012)


def test_an_error_flag_and_the_rendered_text() -> None:
    call = parse_tool_line(worker_line("Bash", {"command": "make test"}, error=True))
    assert call is not None and call.is_error
    assert render_progress("docker-worker", call, 0) == (
        "docker-worker: Bash make test (failed after 0.0 s)"
    )
    assert render_progress("docker-worker", call, 1).endswith("… and 1 more tool call")
    assert render_progress("docker-worker", call, 7).endswith("… and 7 more tool calls")


@pytest.mark.parametrize(
    "line",
    [
        "",
        "INFO turn=3 stop=tool_use in=312 out=88",  # a turn line, not a tool call
        "WARNING event=submit_forced limit=cost",
        "devops-worker: docker-worker attempt 1 of t: started",
        "[2026-11-23T21:00:00+00:00] docker-worker: Write Dockerfile (0.0 s)",  # our format
        "INFO tool=Write arg=x error=maybe duration_s=0.1",
        "INFO tool=Write arg=x error=false duration_s=nan",
        "INFO tool=Write arg=x error=false duration_s=-1",
        "INFO tool=Write arg=x error=false duration_s=1e400",
        "INFO tool=Write error=false duration_s=0.1",  # no argument
        "INFO tool=Write arg=x arg=y error=false duration_s=0.1",  # a key twice
        "INFO tool=Write arg=x error=false duration_s=0.1 extra",  # not logfmt
        'INFO tool=Write arg="unterminated error=false duration_s=0.1',
        'INFO tool=Write arg="\\x41" error=false duration_s=0.1',  # not a JSON escape
        "INFO tool=Wr!te arg=x error=false duration_s=0.1",  # not a tool name
        "INFO tool=" + "W" * 65 + " arg=x error=false duration_s=0.1",
        "  INFO tool=Write arg=x error=false duration_s=0.1",
        "INFO tool=Bash arg=" + "x" * 1_000_000 + " error=false duration_s=0.1",  # 1 MB
    ],
)
def test_other_and_malformed_lines_are_not_progress(line: str) -> None:
    assert parse_tool_line(line) is None


@pytest.mark.parametrize(
    ("argument", "shown"),
    [
        # An escape sequence (a terminal colour, a title change): the ESC goes.
        ("\u001b[31mred\u001b[0m", "[31mred [0m"),
        # A line break with a fake log line behind it, as JSON escapes in a quoted value.
        ("x\n[2026-01-01T00:00:00+00:00] forged", "x [2026-01-01T00:00:00+00:00] forged"),
        # Separators Python's splitlines would break on; bidi overrides; zero-width.
        ("a\u2028b\u2029c\u0085d\u202ee\u200bf", "a b c d e f"),
        # Unquoted by the worker (no space in it), so raw in its line.
        ("a\rb\x1b]0;title\x07", "a b ]0;title"),
        # Someone else's result frame marker stays text inside our line.
        ("=====DEVOPS-RESULT=====", "=====DEVOPS-RESULT====="),
    ],
)
def test_control_and_separator_characters_become_spaces(argument: str, shown: str) -> None:
    line = "INFO " + logfmt(tool="Bash", arg=argument, error=False, duration_s=0.1)
    call = parse_tool_line(line)
    assert call is not None
    assert call.argument == shown
    assert all(ch.isprintable() for ch in render_progress("w", call, 0))


def test_long_arguments_are_cut() -> None:
    line = "INFO " + logfmt(tool="Bash", arg="y" * 5000, error=False, duration_s=0.1)
    assert parse_tool_line(line) is None  # longer than any line the worker writes
    line = "INFO " + logfmt(tool="Bash", arg="y " * 300, error=False, duration_s=0.1)
    call = parse_tool_line(line)
    assert call is not None and len(call.argument) == ARGUMENT_MAX_CHARS
    assert call.argument.endswith("…")


@pytest.mark.parametrize(
    "argument",
    [
        "curl -H 'x-api-key: sk-ant-api03-AbCdEfGhIjKlMnOp' https://x",
        "echo ghp_0123456789abcdefghijABCDEFGHIJ",
        "git clone https://user:hunter2hunter2@example.com/r.git",
        "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        "DB_PASSWORD=correct-horse-battery make",
        "curl -H 'Authorization: Bearer abcdefghijklmnop'",
    ],
)
def test_secret_shaped_values_are_redacted(argument: str) -> None:
    line = "INFO " + logfmt(tool="Bash", arg=argument, error=False, duration_s=0.1)
    call = parse_tool_line(line)
    assert call is not None
    assert "[redacted]" in call.argument
    for secret in ("AbCdEfGhIjKl", "0123456789abcdefghij", "hunter2", "AKIAIOSFODNN7", "horse"):
        assert secret not in call.argument
    assert "abcdefghijklmnop" not in call.argument


def test_a_secret_cut_by_the_workers_shortening_is_redacted() -> None:
    command = "echo " + "x" * 60 + " ghp_0123456789abcdefghijABCDEFGHIJ"
    line = worker_line("Bash", {"command": command})  # cut to 80 characters, "..." last
    call = parse_tool_line(line)
    assert call is not None and call.argument.endswith("[redacted]...")
    assert "ghp_" not in call.argument


def test_known_secrets_are_redacted_and_the_workers_redaction_kept() -> None:
    plain = "use-this-value-0123"  # no known shape: only a known value catches it
    line = "INFO " + logfmt(tool="Bash", arg=f"echo {plain}", error=False, duration_s=0.1)
    call = parse_tool_line(line, [plain])
    assert call is not None and call.argument == "echo [redacted]"
    # The worker already redacted its own secret; the relay shows its marker as is.
    worker = parse_tool_line(worker_line("Bash", {"command": f"echo {SECRET}"}))
    assert worker is not None and worker.argument == "echo [redacted]"


@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("docker-worker", "docker-worker"),
        ("", "worker"),
        ("Evil\nName", "worker"),
        ("a" * 64, "worker"),
    ],
)
def test_worker_names_come_from_a_plain_label(label: str, shown: str) -> None:
    assert worker_label(label) == shown
