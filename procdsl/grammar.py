"""Where the grammar lives, and the one cached Lark parser built from it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lark import Lark

_HERE = Path(__file__).resolve().parent
# An installed wheel carries the grammar inside the package; a source checkout keeps it
# in the top-level grammars/ folder, the single place where the syntax is edited.
_CANDIDATES = (_HERE / "grammars" / "procdsl.lark", _HERE.parent / "grammars" / "procdsl.lark")


def grammar_path() -> Path:
    for candidate in _CANDIDATES:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("procdsl.lark not found next to the procdsl package")


@cache
def parser(strict: bool = False) -> Lark:
    return Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                propagate_positions=True, maybe_placeholders=True, strict=strict)


@cache
def expression_parser() -> Lark:
    """Parses the `{expr}` parts of interpolated strings with the same expression rules."""
    return Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                propagate_positions=True, maybe_placeholders=True, start="expr")
