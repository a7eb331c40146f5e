"""Lark's contextual lexer, driven by procdsl's own loop: the same scanners, tokens and errors.

Lark's loop makes a Token through two constructor layers, keeps positions in a LineCounter
object, and asks the state's lexer for its scanner, its ignored and newline terminals and its
callbacks for every token; lexing was about half of a large file's parse. Here each state's
lexer, as grammar.PlainTables keeps it, becomes a `_Plan` the first time a text reaches that
state (its expressions compiled, what it ignores, which terminals may hold a newline, its
keyword tables), and one generator keeps the position in locals. Lark is not imported.

What each token is, and which scanner reads it, are Lark's: the parser's current state picks
the scanner when the token is asked for, ignored terminals are skipped with the same scanner,
and a name that is a keyword the state accepts takes the keyword's type (grammar._Keywords).
An error is not restated here: at the first character no scanner matches, Lark's own lexer
is started at that position and raises what it would have raised.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator

from procdsl.lang.grammar import PlainTables
from procdsl.lang.tokens import Token

_new_str = str.__new__


class _Plan:
    """What one state's lexer needs per token."""

    __slots__ = ("regexes", "ignore", "newline", "keywords")

    def __init__(self, lexer: tuple) -> None:
        patterns, self.ignore, self.newline, self.keywords = lexer
        self.regexes = tuple(re.compile(pattern, flags) for pattern, flags in patterns)


class Lexer:
    """Tokens of a text for a parser whose state stack is `states` (Lark's `.position` is `states[-1]`).

    `lark_lexer` gives Lark's contextual lexer for the same grammar, asked for only at an error."""

    def __init__(self, plain: PlainTables, lark_lexer: Callable[[], Any]) -> None:
        self._lark = lark_lexer
        self._lexer_of = plain.lexer_of               # parser state -> its lexer in plain.lexers
        self._lexers = plain.lexers
        self._plans: dict[int, _Plan] = {}            # by lexer: states share them

    def _plan(self, state: int) -> _Plan:
        i = self._lexer_of[state]
        plan = self._plans.get(i)
        if plan is None:
            plan = self._plans[i] = _Plan(self._lexers[i])
        return plan

    def tokens(self, text: str, states: list) -> Iterator[Token]:
        """Every token, then `$END` (where the last token ends, as Lark's parser makes it)."""
        plans: dict[int, _Plan] = {}                  # by parser state, for this text
        plan_for = self._plan
        pos, line, line_start, n = 0, 1, 0, len(text)
        last: Token | None = None
        while pos < n:
            state = states[-1]
            plan = plans.get(state)
            if plan is None:
                plan = plans[state] = plan_for(state)
            regexes, ignore, newline = plan.regexes, plan.ignore, plan.newline
            while True:
                for regex in regexes:
                    m = regex.match(text, pos)
                    if m is not None:
                        break
                else:
                    self._raise_at(text, pos, line, line_start, last, states)
                value = m.group()
                kind = m.lastgroup
                start, start_line = pos, line
                column = pos - line_start + 1
                pos += len(value)
                if kind in newline:
                    lines = value.count("\n")
                    if lines:
                        line += lines
                        line_start = start + value.rindex("\n") + 1
                if kind not in ignore or pos >= n:
                    break
            if kind in ignore:                        # the text ends in blanks or a comment
                break
            # Token(...) spelled out: a call per token is a few per cent of a large file's load
            token = _new_str(Token, value)
            token.type = kind
            token.start_pos = start
            token.value = value
            token.line = start_line
            token.column = column
            token.end_line = line
            token.end_column = pos - line_start + 1
            token.end_pos = pos
            table = plan.keywords.get(kind)
            if table is not None:
                keyword = table.get(value)
                if keyword is not None:
                    token.type = keyword
            last = token
            yield token
        yield Token.new_borrow_pos("$END", "", last) if last is not None else Token("$END", "", 0, 1, 1)

    def _raise_at(self, text: str, pos: int, line: int, line_start: int, last: Token | None, states: list) -> None:
        """Lark's error for the text at `pos`: its contextual lexer, started there, raises it."""
        from lark.lexer import LexerState, LineCounter
        from lark.utils import TextSlice
        counter = LineCounter("\n")
        counter.char_pos, counter.line = pos, line
        counter.line_start_pos = line_start
        counter.column = pos - line_start + 1
        state = LexerState(TextSlice(text, 0, len(text)), counter, last)
        for _ in self._lark().lex(state, states):
            break
        raise AssertionError("procdsl bug: Lark's lexer read a token where procdsl's found none")


__all__ = ["Lexer"]
