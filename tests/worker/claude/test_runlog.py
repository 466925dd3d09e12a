"""The worker's own log lines: whatever the model puts in a tool argument stays inside
one quoted field of one line."""

from __future__ import annotations

import json

import pytest

from devops_orchestrator.worker.claude.runlog import logfmt, short_argument


@pytest.mark.parametrize(
    "argument",
    [
        "echo hi\r\ntool=Write arg=forged",
        "\x1b[2K\x1b[1Gtool=Write",
        "a\u2028b\u2029c\x85d",
        "plain\x00nul",
        "\u202eevil-bidi",
    ],
)
def test_a_hostile_argument_stays_one_escaped_field(argument: str) -> None:
    line = logfmt(tool="Bash", arg=short_argument("Bash", {"command": argument}, []), error=False)
    assert line.isprintable() and line.isascii()
    assert line.startswith('tool=Bash arg="') and line.endswith(" error=false")
    quoted = line.removeprefix("tool=Bash arg=").removesuffix(" error=false")
    assert json.loads(quoted) == argument.replace("\n", " ")


def test_plain_values_stay_bare() -> None:
    assert (
        logfmt(tool="Read", arg="src/app.py", n=3, ok=True)
        == "tool=Read arg=src/app.py n=3 ok=true"
    )
