"""Lark's contextual lexer, driven by procdsl's own loop: the same scanners, tokens and errors.

Lark's loop makes a Token through two constructor layers, keeps positions in a LineCounter
object, and asks the state's lexer for its scanner, its ignored and newline terminals and its
callbacks for every token; lexing was about half of a large file's parse. Here each state's
lexer is read once into a `_Plan` (its compiled expressions, what it ignores, which terminals
may hold a newline, its keyword table), and one generator keeps the position in locals.

What each token is, and which scanner reads it, are Lark's: the parser's current state picks
the scanner when the token is asked for, ignored terminals are skipped with the same scanner,
and a name that is a keyword the state accepts takes the keyword's type (grammar._Keywords).
An error is not restated here: at the first character no scanner matches, Lark's own lexer
is started at that position and raises what it would have raised.
"""

from __future__ import annotations

from typing import Any, Iterator

from lark import Token
from lark.lexer import LexerState, LineCounter
from lark.utils import TextSlice

from procdsl.lang.grammar import _Keywords

_new_str = str.__new__


class _Plan:
    """What one state's Lark lexer needs per token, read from it once."""

    __slots__ = ("regexes", "ignore", "newline", "keywords", "callbacks")

    def __init__(self, state_lexer: Any) -> None:
        scanner = state_lexer.scanner                 # built on first use, with the keyword look-up
        self.regexes = tuple(scanner._mres)
        self.ignore = state_lexer.ignore_types
        self.newline = state_lexer.newline_types
        self.keywords: dict[str, dict[str, str]] = {}
        self.callbacks: dict[str, Any] = {}
        for kind, callback in state_lexer.callback.items():
            if kind in self.ignore:
                # Lark makes a Token for an ignored terminal only to hand it to a callback;
                # procdsl's grammar has none, and a token nobody sees needs no loop of its own
                raise AssertionError(f"procdsl bug: ignored terminal {kind} has a lexer callback")
            if type(callback) is _Keywords:
                self.keywords[kind] = callback.types
            else:
                self.callbacks[kind] = callback


class Lexer:
    """Tokens of a text for a parser whose state stack is `states` (Lark's `.position` is `states[-1]`)."""

    def __init__(self, contextual: Any) -> None:
        self._lark = contextual
        self._by_state = contextual.lexers            # parser state -> Lark's lexer for it
        self._plans: dict[int, _Plan] = {}            # by id of Lark's lexer: states share them

    def _plan(self, state: int) -> _Plan:
        state_lexer = self._by_state[state]
        plan = self._plans.get(id(state_lexer))
        if plan is None:
            plan = self._plans[id(state_lexer)] = _Plan(state_lexer)
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
            elif plan.callbacks:
                callback = plan.callbacks.get(kind)
                if callback is not None:
                    token = callback(token)
            last = token
            yield token
        yield Token.new_borrow_pos("$END", "", last) if last is not None else Token("$END", "", 0, 1, 1)

    def _raise_at(self, text: str, pos: int, line: int, line_start: int, last: Token | None, states: list) -> None:
        """Lark's error for the text at `pos`: its contextual lexer, started there, raises it."""
        counter = LineCounter("\n")
        counter.char_pos, counter.line = pos, line
        counter.line_start_pos = line_start
        counter.column = pos - line_start + 1
        state = LexerState(TextSlice(text, 0, len(text)), counter, last)
        for _ in self._lark.lex(state, states):
            break
        raise AssertionError("procdsl bug: Lark's lexer read a token where procdsl's found none")


__all__ = ["Lexer"]
