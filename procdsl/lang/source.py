"""Source text, kept so that a diagnostic can quote a line exactly as written."""

from __future__ import annotations

from procdsl.ir.node import span
from procdsl.ir.span import Span


class Source:
    """One file's text, kept so diagnostics can quote the line exactly as written."""

    __slots__ = ("path", "text", "_lines")

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self._lines = text.split("\n")

    def line(self, n: int) -> str:
        return self._lines[n - 1] if 0 < n <= len(self._lines) else ""

    def end_position(self) -> tuple[int, int]:
        """Line and column just past the last character: where "end of file" is reported."""
        return len(self._lines), len(self._lines[-1]) + 1

    def span(self, line: int, col: int, end_line: int | None = None, end_col: int | None = None) -> Span:
        # built as the front end builds every span (positions are ints, the path a str), unvalidated
        return span(self.path, line, col, end_line if end_line is not None else line,
                    end_col if end_col is not None else col + 1)
