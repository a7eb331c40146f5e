"""Lark's LALR parser with procdsl's lowering run at each reduction: one pass, no parse tree.

Lark's default builds a Tree and a Meta for every reduced rule, propagates positions in a
wrapper, and leaves a Transformer to walk the tree a second time; on a 10,000-line file that
was most of the front end's time. Here every grammar rule gets one callback that does what
Lark's tree builder would do for it — drop filtered tokens (keywords, punctuation, `_NL`),
splice `_rule`s into their parent, fill `[...]` placeholders with None, pass a `?rule`'s
single child through — and then calls the lowering method named after the rule (its alias,
else its name) with the stretch of source the rule covers and its children.

Positions: every value on the parser's stack is a Token or a `Pos`, and both know where they
start and end, so a rule covers its first child's start to its last child's end, filtered
keywords included. These are the positions Lark's `propagate_positions` gives a tree node.
"""

from __future__ import annotations

import threading
from operator import itemgetter
from typing import Any, Callable

from lark import Lark, Token

from procdsl.grammar import LARK_OPTIONS, cache_file, grammar_text


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
    """A new Pos covering the children that matched text (the slow path: some matched none)."""
    first = next((c for c in s if c.line is not None), None)
    if first is None:
        return Pos(None, None, None, None)
    last = next(c for c in reversed(s) if c.line is not None)
    return Pos(first.line, first.column, last.end_line, last.end_column)


class Reducer:
    """The parser for one lowering class; `run` lowers a text with one instance of it.

    The callbacks are built once, so they reach the instance through `self.target`; a nested
    run (a string's `{expr}` lowered while its string is being reduced) swaps it and puts it
    back. The lock keeps two threads from sharing that slot."""

    def __init__(self, lowering: type) -> None:
        self.lowering = lowering
        self.target: Any = None
        self._lock = threading.RLock()
        reducer = self

        class _ReducingLark(Lark):
            # Lark's hook for making the parser's callbacks, called for a fresh build and for
            # one loaded from the cache file alike.
            def _prepare_callbacks(self) -> None:
                self._callbacks = reducer.callbacks(self.rules, self.options.maybe_placeholders)

        text = grammar_text()
        options = dict(LARK_OPTIONS, propagate_positions=False)
        path = cache_file(text, options)
        try:
            self.lark = _ReducingLark(text, cache=path or False, **options)
        except OSError:
            self.lark = _ReducingLark(text, **options)

    def run(self, target: Any, text: str, start: str) -> Any:
        """Lower `text` from grammar symbol `start` with `target`; Lark's UnexpectedInput propagates."""
        with self._lock:
            previous, self.target = self.target, target
            try:
                result = self.lark.parse(text, start=start)
            finally:
                self.target = previous
        return result.value if result.__class__ is Pos else result

    # ------------------------------------------------------------ building the callbacks
    def callbacks(self, rules: list, placeholders: bool) -> dict:
        out = {}
        for rule in rules:
            name = rule.alias or rule.options.template_source or rule.origin.name
            include, trailing = _children_plan(rule, placeholders)
            if name.startswith("_"):
                out[rule] = _splice(include, trailing)
                continue
            expand1 = bool(rule.options.expand1 and not rule.alias)
            if expand1 and include == ((0, False, 0),) and not trailing and len(rule.expansion) == 1:
                out[rule] = _first        # `?sum: product` and its kin: the child is the value
                continue
            method = getattr(self.lowering, name, None)
            if method is None:
                if not expand1 or len(include) != 1:
                    raise AssertionError(f"procdsl bug: grammar rule {name!r} has no lowering")
                method = _unreachable          # a `?rule` of one child always passes it through
            out[rule] = _reduce(self, method, include, trailing, expand1)
        return out


_first = itemgetter(0)


def _unreachable(target: Any, pos: Pos, children: list) -> Any:
    raise AssertionError("procdsl bug: a one-child ?rule reached its lowering")


def _children_plan(rule, placeholders: bool) -> tuple[tuple, int]:
    """Which children a rule keeps: (index, splice it?, Nones before it) and Nones after all.

    The same choices as Lark's ChildFilter, so a lowering method sees what a Transformer would."""
    expansion = rule.expansion
    empty = rule.options.empty_indices if placeholders else None
    if empty:
        runs = "".join(str(int(b)) for b in empty).split("0")
        nones = [len(r) for r in runs]
    else:
        nones = [0] * (len(expansion) + 1)
    include = []
    pending = 0
    for i, sym in enumerate(expansion):
        pending += nones[i]
        if not (sym.is_term and sym.filter_out):
            include.append((i, not sym.is_term and sym.name.startswith("_"), pending))
            pending = 0
    return tuple(include), pending + nones[len(expansion)]


def _children(s: list, include: tuple, trailing: int) -> list:
    children: list = []
    for i, splice, nones in include:
        if nones:
            children.extend([None] * nones)
        c = s[i]
        if splice:
            children.extend(c.value)
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
        if s and s[0].line is not None and s[-1].line is not None:
            a, b = s[0], s[-1]
            pos = Pos(a.line, a.column, b.end_line, b.end_column)
        else:
            pos = _extent(s)
        pos.value = _children(s, include, trailing)
        return pos
    return reduce_hidden


def _reduce(reducer: Reducer, method: Callable, include: tuple, trailing: int, expand1: bool) -> Callable[[list], Any]:
    simple = _simple_plan(include, trailing)

    def reduce_rule(s: list) -> Any:
        if s and s[0].line is not None and s[-1].line is not None:
            a, b = s[0], s[-1]
            pos = Pos(a.line, a.column, b.end_line, b.end_column)
        else:
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


__all__ = ["Pos", "Reducer", "reducer_for"]
