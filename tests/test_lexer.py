"""procdsl's lexing loop (lang/lexer.py) gives Lark's contextual lexer's tokens and errors exactly.

Both are driven by the same parse: the reducer is run once with procdsl's loop and once with
Lark's LexerThread in its place, and every token either hands the parser is compared field
by field, as is the error when the text has one."""

from __future__ import annotations

import random

import pytest
from helpers import ROOT
from lark import Token
from lark.exceptions import UnexpectedInput
from lark.lexer import LexerThread

from procdsl.lang.grammar import tables, with_keyword_lookup
from procdsl.lang.lower import Lower
from procdsl.lang.reduce import Reducer
from procdsl.lang.source import Source
from procdsl.lang.tokens import Token as Ours

FIELDS = ("type", "value", "start_pos", "line", "column", "end_line", "end_column", "end_pos")


class _Recording:
    """A token source for the reducer that keeps what it yields."""

    def __init__(self, source) -> None:
        self.source = source
        self.seen: list[tuple] = []

    def tokens(self, text: str, states: list):
        for token in self.source(text, states):
            self.seen.append(tuple(getattr(token, f) for f in FIELDS))
            yield token


def _lark_tokens(reducer: Reducer):
    lexer = tables().lexer
    with_keyword_lookup(lexer)

    def tokens(text: str, states: list):
        token = None
        for token in LexerThread.from_text(lexer, text).lex(states):
            # the lowering knows procdsl's Token; the fields are compared, not the class
            yield Ours(*(getattr(token, f) for f in FIELDS))
        yield Token.new_borrow_pos("$END", "", token) if token is not None else Token("$END", "", 0, 1, 1)
    return tokens


def _error(err: UnexpectedInput) -> tuple:
    token = getattr(err, "token", None)
    return (type(err).__name__, str(err), err.line, err.column, getattr(err, "pos_in_stream", None),
            sorted(getattr(err, "expected", ()) or ()), sorted(getattr(err, "allowed", ()) or ()),
            None if token is None else tuple(getattr(token, f) for f in FIELDS),
            [tuple(getattr(t, f) for f in FIELDS) for t in (getattr(err, "token_history", None) or ())])


def _run(text: str, source_of) -> tuple[list, tuple | None]:
    reducer = Reducer(Lower)
    recording = _Recording(source_of(reducer))
    reducer._lex = recording
    try:
        reducer.run(Lower(Source("t.proc", text)), text, "start")
    except UnexpectedInput as err:
        return recording.seen, _error(err)
    return recording.seen, None


def _same_as_lark(text: str) -> None:
    ours = _run(text, lambda r: r._lex.tokens)
    lark = _run(text, _lark_tokens)
    assert ours == lark


PROC_FILES = sorted([*(ROOT / "tests" / "errors").glob("*.proc"), *(ROOT / "tests" / "fuzz_corpus").glob("*.proc"),
                     *(ROOT / "scenarios").glob("*.proc"), *(ROOT / "docs").rglob("*.proc")])


@pytest.mark.parametrize("path", PROC_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_lexes_as_lark_lexes_it(path) -> None:
    _same_as_lark(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("text", [
    "", "\n", "   ", "# only a comment", "# a comment\n", "program p {\n}\n   \t", "program p {}\n# last",
    "program p { x = 1 }\n}", "program p { x = @ }", 'program p { print "open', "program p {\r\n  exit 0\r\n}\r\n",
    "program p {\n  if x { exit 1 }\n  # between\n  else { exit 2 }\n}\n", "program p { x = 1; y = 2 }",
    "scenario \"s\" { run p\n expect exit_code(p) == 0 }", "program fork { }", "\x00", "program p { x = 1 } ¤",
])
def test_edge_cases_lex_as_lark_lexes_them(text: str) -> None:
    _same_as_lark(text)


def test_damaged_files_fail_where_and_as_lark_fails() -> None:
    # Cuts, doubled and dropped characters and stray bytes in real scenarios: mostly errors,
    # in every context the grammar has (a fixed seed: the same cases on every machine).
    rng = random.Random(20261201)
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "scenarios").glob("*.proc"))]
    failures = 0
    for _ in range(300):
        text = rng.choice(texts)
        i = rng.randrange(len(text) + 1)
        how = rng.randrange(4)
        if how == 0:
            text = text[:i]
        elif how == 1:
            text = text[:i] + text[i:i + 1] * 2 + text[i + 1:]
        elif how == 2:
            text = text[:i] + text[i + 1:]
        else:
            text = text[:i] + rng.choice("@$%^&`~\\\"'{}()[]|;:\n\t ") + text[i:]
        ours = _run(text, lambda r: r._lex.tokens)
        assert ours == _run(text, _lark_tokens), repr(text[max(0, i - 40):i + 40])
        failures += ours[1] is not None
    assert failures > 100           # the damage did reach the error paths
