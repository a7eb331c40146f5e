"""Where the grammar lives, and the one cached Lark parser built from it."""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path

import lark
from lark import Lark

_PACKAGE = Path(__file__).resolve().parent.parent
# An installed wheel carries the grammar inside the package; a source checkout keeps it
# in the top-level grammars/ folder, the single place where the syntax is edited.
_CANDIDATES = (_PACKAGE / "grammars" / "procdsl.lark", _PACKAGE.parent / "grammars" / "procdsl.lark")
START_SYMBOLS = ["start", "expr"]      # whole files, and the `{expr}` parts of strings
_OPTIONS = dict(parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=True,
                start=START_SYMBOLS)


def grammar_path() -> Path:
    for candidate in _CANDIDATES:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("procdsl.lark not found next to the procdsl package")


def _cache_file(text: str) -> str | None:
    """Building the LALR tables takes about a second; Lark can reuse them from a cache file.

    One file per grammar, Lark version and option set: Lark rebuilds a cache made with other options."""
    key = hashlib.sha256((text + lark.__version__ + repr(sorted(_OPTIONS.items()))).encode()).hexdigest()[:16]
    folder = os.environ.get("PROCDSL_CACHE_DIR") or os.path.join(tempfile.gettempdir(), "procdsl-cache")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return None
    return os.path.join(folder, f"grammar-{key}.lark-cache") if os.access(folder, os.W_OK) else None


@cache
def parser(strict: bool = False) -> Lark:
    """The grammar as Lark builds it. Its tables and contextual lexer drive `procdsl.reduce`,
    which lowers while it parses; parsing to a tree is left to strict-mode checks and tests."""
    text = grammar_path().read_text(encoding="utf-8")
    if strict:
        return Lark(text, strict=True, **_OPTIONS)
    path = _cache_file(text)
    try:
        return Lark(text, cache=path or False, **_OPTIONS)
    except OSError:
        return Lark(text, **_OPTIONS)
