"""The transcript: redacted, long texts cut, capped in size with the middle left out."""

from __future__ import annotations

import json

from devops_orchestrator.cli.transcript_cmd import render_transcript
from devops_orchestrator.worker.claude.transcript import TEXT_MAX_CHARS, Transcript


def test_redacted_and_long_texts_cut() -> None:
    transcript = Transcript(secrets=("sk-secret-value-1234567890",))
    transcript.record("user", content=[{"type": "text", "text": "key sk-secret-value-1234567890"}])
    transcript.record("note", event="retry", text="x" * (TEXT_MAX_CHARS + 10))
    first, second = (json.loads(line) for line in transcript.render().splitlines())
    assert first["content"][0]["text"] == "key [redacted]"
    assert second["text"].endswith("... [10 more chars]")


def test_capped_keeping_the_start_and_the_end() -> None:
    transcript = Transcript()
    for turn in range(100):
        transcript.record("note", event="turn", number=turn, pad="y" * 80)
    text = transcript.render(max_chars=3000)
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(text) <= 3000
    assert lines[0]["number"] == 0 and lines[-1]["number"] == 99
    (gap,) = [line for line in lines if line["type"] == "gap"]
    assert gap["lines_left_out"] == 100 - (len(lines) - 1)
    assert "lines left out" in render_transcript(text)
