"""The token procdsl's lexer hands its parser: Lark's Token, without importing Lark.

A file that parses never needs Lark at all (its tables are plain data, grammar.PlainTables),
and importing Lark is a fifth of a short command's start-up. The fields are Lark's, so a
Lark exception built around one of these (only on the error path) reads it as its own.
Equality is str's: procdsl compares a token with text, or its `type` with a name, never two
tokens of different types with each other.
"""

from __future__ import annotations

from typing import Any, Optional

_new_str = str.__new__


class Token(str):
    __slots__ = ("type", "start_pos", "value", "line", "column", "end_line", "end_column", "end_pos")

    type: str
    start_pos: Optional[int]
    value: Any
    line: Optional[int]
    column: Optional[int]
    end_line: Optional[int]
    end_column: Optional[int]
    end_pos: Optional[int]

    def __new__(cls, type: str, value: Any, start_pos: Optional[int] = None, line: Optional[int] = None,
                column: Optional[int] = None, end_line: Optional[int] = None, end_column: Optional[int] = None,
                end_pos: Optional[int] = None) -> Token:
        inst = _new_str(cls, value)
        inst.type = type
        inst.start_pos = start_pos
        inst.value = value
        inst.line = line
        inst.column = column
        inst.end_line = end_line
        inst.end_column = end_column
        inst.end_pos = end_pos
        return inst

    @classmethod
    def new_borrow_pos(cls, type: str, value: Any, borrow: Any) -> Token:
        return cls(type, value, borrow.start_pos, borrow.line, borrow.column, borrow.end_line,
                   borrow.end_column, borrow.end_pos)

    def __reduce__(self):
        return (Token, (self.type, self.value, self.start_pos, self.line, self.column, self.end_line,
                        self.end_column, self.end_pos))

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {self.value!r})"

    __hash__ = str.__hash__


def meaningful(children: list) -> list:
    """A rule's children that carry meaning: no braces, brackets or empty optional slots."""
    return [c for c in children
            if c is not None and not (isinstance(c, Token) and c.type in ("LBRACE", "RBRACE", "LSQB", "RSQB", "LPAR", "RPAR"))]


__all__ = ["Token", "meaningful"]
