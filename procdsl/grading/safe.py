"""Text a student controls, made safe to show anywhere: characters no format or terminal should receive are
written as visible escapes, and long text is cut with a count of what was left out.

A student controls file names, the source lines quoted in diagnostics and everything their
programs print, and all of it reaches result files (XML, JSON, Markdown, TAP, CSV) and the
grader's terminal. XML 1.0 forbids most control characters, terminals act on ESC and BEL,
and bidirectional overrides make a line read differently from what it holds, so every such
character becomes an escape in the style of the trace (`\\x1b`, `\\u202e`). A byte that is
not UTF-8 in a file name (which Python carries as a lone surrogate) becomes `\\xNN` of
that byte.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, lone surrogates, the two XML 1.0 non-characters, line and paragraph
# separators, and the bidirectional marks, embeddings, overrides and isolates.
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff"
_IN_TEXT = re.compile(f"[{_UNSAFE}]")                 # free text keeps its newlines and tabs
_IN_NAME = re.compile(f"[{_UNSAFE}\t\n\\\\]")          # a name is one line, and escaped one-to-one
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\\": "\\\\"}


def _escape(m: re.Match) -> str:
    ch = m.group()
    code = ord(ch)
    if ch in _NAMED:
        return _NAMED[ch]
    if 0xDC80 <= code <= 0xDCFF:                        # surrogateescape: the byte that was not UTF-8
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def text(s: str) -> str:
    """Free text (messages, explanations, diagnostics): lines and tabs kept, every other control escaped."""
    return _IN_TEXT.sub(_escape, s)


def name(s: str) -> str:
    """A file or submission name on one line; backslashes are doubled, so two names never escape alike."""
    return _IN_NAME.sub(_escape, s)


def clip(s: str, limit: int) -> str:
    """At most `limit` characters of `s`, then how many were left out."""
    if len(s) <= limit:
        return s
    return f"{s[:limit]}… [{len(s) - limit} more characters left out]"


def clip_lines(lines: tuple[str, ...], count: int, width: int) -> tuple[str, ...]:
    """At most `count` lines of at most `width` characters, then how many lines were left out."""
    kept = tuple(clip(line, width) for line in lines[:count])
    if len(lines) > count:
        kept += (f"… [{len(lines) - count} more lines left out]",)
    return kept


def csv_cell(s: str) -> str:
    """A name in a CSV cell that a spreadsheet shows as text rather than running as a formula."""
    return "'" + s if s[:1] in ("=", "+", "-", "@") else s
