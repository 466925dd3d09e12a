"""Bytes of a followed log -> bounded lines."""

from __future__ import annotations

from devops_orchestrator.core.log_lines import LineSplitter


def test_lines_across_chunks() -> None:
    splitter = LineSplitter()
    assert splitter.feed(b"one\ntw") == ["one"]
    assert splitter.feed(b"o\n\nthr") == ["two", ""]
    assert splitter.feed(b"ee") == []
    assert splitter.feed(b"\n") == ["three"]


def test_only_newline_ends_a_line() -> None:
    text = "a\rb\u2028c\x85d".encode()
    assert LineSplitter().feed(text + b"\n") == ["a\rb\u2028c\x85d"]


def test_a_huge_line_is_cut_and_counted_once() -> None:
    splitter = LineSplitter(max_line_bytes=10)
    lines = []
    for _ in range(100):  # a megabyte of one line, in chunks
        lines += splitter.feed(b"x" * 10_000)
    lines += splitter.feed(b"x\nnext\n")
    assert lines == ["x" * 10, "next"]


def test_invalid_utf8_is_replaced() -> None:
    assert LineSplitter().feed(b"\xff\xfeok\n") == ["\ufffd\ufffdok"]
