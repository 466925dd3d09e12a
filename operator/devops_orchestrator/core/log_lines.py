"""Bytes of a followed log -> whole lines, each bounded. Pure.

A pod's log is written by the worker and everything it runs, so a "line" may be a
megabyte long or never end: a line longer than the bound is cut (the rest of it, up to
the next newline, is dropped), so memory stays bounded whatever the log holds. Only
b"\\n" ends a line, as for the kubelet; other line breaks stay inside it, for the
parser to refuse."""

from __future__ import annotations

MAX_LINE_BYTES = 8192


class LineSplitter:
    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self.max_line_bytes = max_line_bytes
        self._buffer = bytearray()
        self._cut = False  # the current line is over the bound: the rest is dropped

    def feed(self, chunk: bytes) -> list[str]:
        """The lines `chunk` completes, each decoded (invalid UTF-8 replaced)."""
        lines: list[str] = []
        *complete, rest = chunk.split(b"\n")
        for part in complete:
            self._keep(part)
            lines.append(self._buffer.decode("utf-8", errors="replace"))
            self._buffer.clear()
            self._cut = False
        self._keep(rest)
        return lines

    def _keep(self, part: bytes) -> None:
        if self._cut:
            return
        room = self.max_line_bytes - len(self._buffer)
        self._buffer += part[:room]
        self._cut = len(part) > room
