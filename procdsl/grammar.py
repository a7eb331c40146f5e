"""Where the grammar lives, and the one cached Lark parser built from it."""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path

import lark
from lark import Lark

_HERE = Path(__file__).resolve().parent
# An installed wheel carries the grammar inside the package; a source checkout keeps it
# in the top-level grammars/ folder, the single place where the syntax is edited.
_CANDIDATES = (_HERE / "grammars" / "procdsl.lark", _HERE.parent / "grammars" / "procdsl.lark")
START_SYMBOLS = ["start", "expr"]      # whole files, and the `{expr}` parts of strings
LARK_OPTIONS = dict(parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=True,
                    start=START_SYMBOLS)


def grammar_path() -> Path:
    for candidate in _CANDIDATES:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("procdsl.lark not found next to the procdsl package")


def grammar_text() -> str:
    return grammar_path().read_text(encoding="utf-8")


def cache_file(text: str, options: dict) -> str | None:
    """Building the LALR tables takes about a second; Lark can reuse them from a cache file.

    One file per grammar, Lark version and option set: Lark rebuilds a cache made with other options."""
    key = hashlib.sha256((text + lark.__version__ + repr(sorted(options.items()))).encode()).hexdigest()[:16]
    folder = os.environ.get("PROCDSL_CACHE_DIR") or os.path.join(tempfile.gettempdir(), "procdsl-cache")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return None
    return os.path.join(folder, f"grammar-{key}.lark-cache") if os.access(folder, os.W_OK) else None


@cache
def parser(strict: bool = False) -> Lark:
    """The grammar as a plain Lark parser that builds trees: for strict-mode checks and tools.

    procdsl's front end parses with `procdsl.reduce`, which lowers while Lark reduces."""
    text = grammar_text()
    if strict:
        return Lark(text, strict=True, **LARK_OPTIONS)
    path = cache_file(text, LARK_OPTIONS)
    try:
        return Lark(text, cache=path or False, **LARK_OPTIONS)
    except OSError:
        return Lark(text, **LARK_OPTIONS)
