"""Source text and spans: where every IR node, diagnostic and trace line points back to."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Span(BaseModel):
    """A region of one source file; lines and columns start at 1, columns count characters."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


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
        return Span(file=self.path, line=line, col=col,
                    end_line=end_line if end_line is not None else line,
                    end_col=end_col if end_col is not None else col + 1)
