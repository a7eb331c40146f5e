"""Lowering while Lark reduces: the positions and children a rule sees match what Lark's tree would give."""

from __future__ import annotations

import threading

import pytest
from helpers import ROOT
from lark.exceptions import UnexpectedInput

from procdsl import ir
from procdsl.lang.diagnostics import CompileError
from procdsl.lang.grammar import parser
from procdsl.lang.lower import Lower
from procdsl.lang.parser import parse
from procdsl.lang.reduce import Reducer, reducer_for
from procdsl.lang.source import Source


def lowered(text: str) -> ir.File:
    return parse(Source("t.proc", text))


def extent(span: ir.Span) -> tuple[int, int, int, int]:
    return span.line, span.col, span.end_line, span.end_col


def test_a_statement_covers_its_keyword_and_its_block() -> None:
    body = lowered("program p {\n  while x < 3 {\n    compute 5ms\n  }\n}\n").programs[0].body
    assert extent(body[0].span) == (2, 3, 4, 4)              # `while` .. the closing brace
    assert extent(body[0].body[0].span) == (3, 5, 3, 16)     # `compute 5ms`, the keyword included


def test_parentheses_belong_to_the_expression_they_group() -> None:
    (stmt,) = lowered("program p {\n  x = (a + b) * c\n}\n").programs[0].body
    assert extent(stmt.value.span) == (2, 7, 2, 18)          # from `(` to `c`
    assert extent(stmt.value.left.span) == (2, 8, 2, 13)     # the grouped sum itself: `a + b`


def _statements(block) -> list:
    return [c for c in block.children if hasattr(c, "meta")]


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.proc")), ids=lambda p: p.name)
def test_statement_spans_match_the_positions_lark_gives_its_tree(path) -> None:
    # Lark's own tree builder with propagate_positions is the reference.
    text = path.read_text(encoding="utf-8")
    tree = parser().parse(text, start="start")
    blocks = [t.children[1] for t in tree.iter_subtrees_topdown() if t.data == "program"]
    f = lowered(text)
    bodies = [p.body for p in f.programs] + [p.body for sc in f.scenarios for p in sc.programs]
    blocks.sort(key=lambda b: (b.meta.line, b.meta.column))
    bodies.sort(key=lambda b: (b[0].span.line, b[0].span.col) if b else (0, 0))
    assert len(blocks) == len(bodies)
    checked = 0
    for block, body in zip(blocks, bodies):
        for want, got in zip(_statements(block), body):
            m = want.meta
            assert extent(got.span) == (m.line, m.column, m.end_line, m.end_column), got
            checked += 1
    assert checked


def test_a_syntax_error_is_reported_alone() -> None:
    with pytest.raises(CompileError) as info:
        lowered('program p {\n  print "\\q"\n  compute 1ms )\n}\n')
    (diag,) = info.value.diagnostics
    assert diag.message.startswith("unexpected ')'")


def test_every_lowering_problem_is_reported() -> None:
    with pytest.raises(CompileError) as info:
        lowered('program p {\n  print "\\q"\n  print "{x +}"\n  compute 1.5ns\n}\n')
    assert [d.span.line for d in info.value.diagnostics] == [2, 3, 4]


def test_a_rule_without_lowering_is_a_procdsl_bug_found_at_start() -> None:
    class Partial:
        pass
    with pytest.raises(AssertionError, match="has no lowering"):
        Reducer(Partial)


def test_threads_lower_their_own_files() -> None:
    texts = [f'program p{i} {{\n  print "{i} {{pid}}"\n  compute {i + 1}ms\n}}\n' for i in range(8)]
    want = [lowered(t) for t in texts]
    got: list = [None] * len(texts)

    def work(i: int) -> None:
        for _ in range(20):
            got[i] = lowered(texts[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == want


def test_lower_has_a_method_for_each_named_rule() -> None:
    names = {r.alias or r.origin.name for r in parser().rules}
    missing = sorted(n for n in names if not n.startswith("_") and not hasattr(Lower, n))
    # `?rule`s of one child (expr_time, value_atom, ...) pass it through and need none
    assert all(any(r.options.expand1 for r in parser().rules if r.origin.name == n) for n in missing)


def _outcome(run, text: str):
    try:
        run(text)
    except UnexpectedInput as err:
        return type(err).__name__, err.line, err.column, sorted(getattr(err, "expected", ()) or ())
    return "ok"


PROC_FILES = sorted([*(ROOT / "tests" / "errors").glob("*.proc"), *(ROOT / "scenarios").glob("*.proc")])


@pytest.mark.parametrize("path", PROC_FILES, ids=lambda p: p.name)
def test_procdsl_drives_lark_tables_as_lark_does(path) -> None:
    # Same verdict, position and expected terminals as Lark's own LALR loop, on good and bad input.
    text = path.read_text(encoding="utf-8")
    reducer = reducer_for(Lower)
    ours = _outcome(lambda t: reducer.run(Lower(Source(str(path), t)), t, "start"), text)
    assert ours == _outcome(lambda t: parser().parse(t, start="start"), text)


@pytest.mark.parametrize("text", ["", "\n", "program", "program p {", "}", 'scenario "s" { run }', "program p { x = }"])
def test_truncated_input_fails_as_lark_fails(text: str) -> None:
    reducer = reducer_for(Lower)
    ours = _outcome(lambda t: reducer.run(Lower(Source("t.proc", t)), t, "start"), text)
    assert ours == _outcome(lambda t: parser().parse(t, start="start"), text)
