"""Render diagnostics as `FILE:LINE:COL: error: message`, the source line, a caret and a hint."""

from __future__ import annotations

from typing import Mapping

from procdsl.lang.diagnostics import Diagnostic
from procdsl.lang.source import Source

_RED, _YELLOW, _BOLD, _CYAN, _RESET = "\x1b[31m", "\x1b[33m", "\x1b[1m", "\x1b[36m", "\x1b[0m"
_SEVERITY_COLOR = {"error": _RED + _BOLD, "warning": _YELLOW + _BOLD}
LINE_LIMIT = 160        # characters of a source line quoted under a diagnostic


def render(diag: Diagnostic, sources: Mapping[str, Source], color: bool = False) -> str:
    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    sev = paint(_SEVERITY_COLOR.get(diag.severity, _BOLD), f"{diag.severity}:")
    if diag.span is None:
        out = [f"{sev} {diag.message}"]
    else:
        sp = diag.span
        out = [f"{sp.file}:{sp.line}:{sp.col}: {sev} {diag.message}"]
        src = sources.get(sp.file)
        if src is not None:
            text = src.line(sp.line).replace("\t", " ")
            gutter = str(sp.line)
            width = max(1, (sp.end_col - sp.col) if sp.end_line == sp.line else len(text) - sp.col + 1)
            text, col, width = _window(text, sp.col, width)
            out.append(f" {gutter} | {text}")
            out.append(f" {' ' * len(gutter)} | {' ' * (col - 1)}{paint(_RED, '^' * max(1, width))}")
    for note in diag.notes:
        out.append(f"  = note: {note}")
    if diag.hint:
        out.append(f"  = {paint(_CYAN, 'help')}: {diag.hint}")
    return "\n".join(out)


def _window(text: str, col: int, width: int) -> tuple[str, int, int]:
    """At most LINE_LIMIT characters of a long line, around the caret: (text, caret column, width)."""
    if len(text) <= LINE_LIMIT:
        return text, col, width
    start = max(0, min(col - 1 - LINE_LIMIT // 4, len(text) - LINE_LIMIT))
    lead = "…" if start else ""
    tail = "…" if start + LINE_LIMIT < len(text) else ""
    col = col - start + len(lead)
    return lead + text[start:start + LINE_LIMIT] + tail, col, min(width, LINE_LIMIT + len(lead) - col + 1)


def render_all(diags: tuple[Diagnostic, ...], sources: Mapping[str, Source], color: bool = False) -> str:
    return "\n".join(render(d, sources, color) for d in diags)
