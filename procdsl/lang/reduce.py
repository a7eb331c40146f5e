"""Lark's LALR tables and lexer, driven by procdsl: each rule lowers to IR as it is reduced.

Lark's default builds a Tree and a Meta for every reduced rule, propagates positions in a
wrapper, and leaves a Transformer to walk the tree a second time; on a 10,000-line file that
was most of the front end's time. Here every grammar rule gets one callback that does what
Lark's tree builder would do for it — drop the tokens Lark filters out (anonymous keywords
and punctuation, `_NL`), splice `_rule`s into their parent, fill `[...]` placeholders with
None, pass a `?rule`'s single child through — and then calls the lowering method named after
the rule (its alias, else its name) with the stretch of source the rule covers and its
children.

The shift/reduce loop is Lark's, restated over a copy of its parse table in which a
reduction is (children, rule name, callback): Lark's own loop looks each rule up by a
Python-level hash and runs an assertion per reduction, a fifth of its time. A `?rule` that
only passes one child up (`?sum: product`, most reductions in an expression) has no
callback: the loop just changes state. The tables and the lexer's expressions are Lark's,
kept as plain data (grammar.PlainTables), so a file that parses does not import Lark; every
error is still Lark's own exception.

Positions: every value on the parser's stack is a Token or a `Pos`, and both know where they
start and end, so a rule covers its first child's start to its last child's end, filtered
keywords included. These are the positions Lark's `propagate_positions` gives a tree node.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from procdsl.lang.grammar import plain_tables, tables, with_keyword_lookup
from procdsl.lang.lexer import Lexer
from procdsl.lang.tokens import Token


class Pos:
    """A reduced rule: its lowered value and the source it covers (Lark's 1-based lines and
    columns, end exclusive). `line` is None for a rule that matched no text at all."""

    __slots__ = ("value", "line", "column", "end_line", "end_column")

    def __init__(self, line: int | None, column: int | None, end_line: int | None, end_column: int | None,
                 value: Any = None) -> None:
        self.value = value
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column


def _extent(s: list) -> Pos:
    """A new Pos from the start of the first child that matched text to the end of the last."""
    if s:
        a, b = s[0], s[-1]
        if a.line is not None and b.line is not None:
            return Pos(a.line, a.column, b.end_line, b.end_column)
    first = next((c for c in s if c.line is not None), None)
    if first is None:
        return Pos(None, None, None, None)
    last = next(c for c in reversed(s) if c.line is not None)
    return Pos(first.line, first.column, last.end_line, last.end_column)


class _States(list):
    """The parser's state stack. Lark's contextual lexer asks its parser for `.position`, the
    state it is in, to know which terminals may come next; the stack answers for it."""

    __slots__ = ()

    @property
    def position(self) -> int:
        return self[-1]


class Reducer:
    """The parser for one lowering class; `run` lowers a text with one instance of it.

    The callbacks are built once, so they reach the instance through `self.target`; a nested
    run (a string's `{expr}` lowered while its string is being reduced) swaps it and puts it
    back. The lock keeps two threads from sharing that slot."""

    def __init__(self, lowering: type) -> None:
        self.lowering = lowering
        self.target: Any = None
        self._lock = threading.RLock()
        plain = plain_tables()
        self._plain = plain
        self.keywords = plain.keywords      # words the grammar spells out (`fork`, `true`, `not`, ...)
        self._lex = Lexer(plain, _lark_lexer)
        # Terminals whose text the lowering checks as they are shifted (`Lower.literal`):
        # one place sees every number, whichever rule it ends up in.
        self._literals = frozenset(getattr(lowering, "LITERALS", ()))
        reductions = [(size, origin, self.callback(name, include, trailing, expand1, size))
                      for size, origin, name, include, trailing, expand1 in plain.rules]
        # state -> {symbol: next state (a shift or a goto) | (children, rule name, callback)}
        self._actions: dict[int, dict[str, Any]] = {
            state: {symbol: act if act >= 0 else reductions[~act] for symbol, act in row.items()}
            for state, row in plain.actions.items()}

    def run(self, target: Any, text: str, start: str) -> Any:
        """Lower `text` from grammar symbol `start` with `target`; Lark's UnexpectedInput propagates."""
        with self._lock:
            previous, self.target = self.target, target
            try:
                result = self._parse(text, start)
            finally:
                self.target = previous
        return result.value if result.__class__ is Pos else result

    def _parse(self, text: str, start: str) -> Any:
        actions = self._actions
        states = _States([self._plain.start_states[start]])
        end_state = self._plain.end_states[start]
        values: list = []
        literals = self._literals
        for token in self._lex.tokens(text, states):
            kind = token.type
            while True:
                try:
                    act = actions[states[-1]][kind]
                except KeyError:
                    raise self._unexpected(token, states) from None
                if act.__class__ is int:
                    if kind in literals:
                        self.target.literal(token)
                    states.append(act)
                    values.append(token)
                    break
                size, name, callback = act
                if callback is None:
                    # `?sum: product` and its kin pass their one child through: only the state
                    # changes. Most reductions in an expression are these.
                    states[-1] = actions[states[-2]][name]
                else:
                    if size:
                        children = values[-size:]
                        del states[-size:]
                        del values[-size:]
                    else:
                        children = []
                    values.append(callback(children))
                    states.append(actions[states[-1]][name])
                if states[-1] == end_state:       # only $END reduces into the accepting state
                    return values[-1]
        raise AssertionError("procdsl bug: the parser ran past $END")

    def _unexpected(self, token: Token, states: _States) -> Exception:
        from lark.exceptions import UnexpectedToken
        expected = {s for s in self._plain.actions[states[-1]] if s.isupper()}
        return UnexpectedToken(token, expected, state=states)

    # ------------------------------------------------------------ building the callbacks
    def callback(self, name: str, include: tuple, trailing: int, expand1: bool,
                 length: int) -> Callable[[list], Any] | None:
        if name.startswith("_"):
            return _splice(include, trailing)
        if expand1 and include == ((0, False, 0),) and not trailing and length == 1:
            return None          # `?sum: product` and its kin: the child is the value (see _parse)
        method = getattr(self.lowering, name, None)
        if method is None:
            if not expand1 or len(include) != 1:
                raise AssertionError(f"procdsl bug: grammar rule {name!r} has no lowering")
            method = _unreachable          # a `?rule` of one child always passes it through
        return _reduce(self, method, include, trailing, expand1)


def syntax_errors() -> type:
    """Lark's UnexpectedInput, what `Reducer.run` raises for a text that does not parse; for
    `except syntax_errors():`, which imports Lark only when something was raised."""
    from lark.exceptions import UnexpectedInput
    return UnexpectedInput


def _lark_lexer() -> Any:
    lexer = tables().lexer
    with_keyword_lookup(lexer)
    return lexer


def _unreachable(target: Any, pos: Pos, children: list) -> Any:
    raise AssertionError("procdsl bug: a one-child ?rule reached its lowering")


def _children(s: list, include: tuple, trailing: int) -> list:
    children: list = []
    for i, splice, nones in include:
        if nones:
            children.extend([None] * nones)
        c = s[i]
        if splice:
            if children:
                children.extend(c.value)
            else:                      # `__x_star: __x_star _NL _stmt` grows one list, not a copy per item
                children = c.value
        elif c.__class__ is Pos:
            children.append(c.value)
        else:
            children.append(c)
    if trailing:
        children.extend([None] * trailing)
    return children


def _simple_plan(include: tuple, trailing: int) -> tuple[int, ...] | None:
    """The kept indices, when the rule needs no splicing and no placeholders (most rules)."""
    if trailing or any(splice or nones for _, splice, nones in include):
        return None
    return tuple(i for i, _, _ in include)


def _splice(include: tuple, trailing: int) -> Callable[[list], Pos]:
    def reduce_hidden(s: list) -> Pos:
        pos = _extent(s)
        pos.value = _children(s, include, trailing)
        return pos
    return reduce_hidden


def _reduce(reducer: Reducer, method: Callable, include: tuple, trailing: int, expand1: bool) -> Callable[[list], Any]:
    simple = _simple_plan(include, trailing)

    def reduce_rule(s: list) -> Any:
        pos = _extent(s)
        if simple is not None:
            children = []
            for i in simple:
                c = s[i]
                children.append(c.value if c.__class__ is Pos else c)
        else:
            children = _children(s, include, trailing)
        if expand1 and len(children) == 1:
            # A `?rule` with one child is that child; it still covers any filtered tokens.
            only = children[0]
            if only.__class__ is Token:
                return only
            if len(s) == 1 and s[0].__class__ is Pos:
                return s[0]
            pos.value = only
            return pos
        pos.value = method(reducer.target, pos, children)
        return pos
    return reduce_rule


_REDUCERS: dict[type, Reducer] = {}


def reducer_for(lowering: type) -> Reducer:
    found = _REDUCERS.get(lowering)
    if found is None:
        found = _REDUCERS[lowering] = Reducer(lowering)
    return found


__all__ = ["Pos", "Reducer", "reducer_for", "syntax_errors"]
