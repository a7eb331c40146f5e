"""Spans: where every IR node, diagnostic, op and program fault points back to in the source."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Span(BaseModel):
    """A region of one source file; lines and columns start at 1, columns count characters."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"
