"""Lowering: values in integer nanoseconds and bytes, strings and interpolation, spans, one-per-scenario items."""

from __future__ import annotations

from fractions import Fraction

import pytest
from pydantic import ValidationError

from procdsl import ir
from procdsl.lang.diagnostics import CompileError
from procdsl.lang.literals import parse_duration, parse_size
from procdsl.lang.parser import parse
from procdsl.lang.source import Source


def lowered(text: str) -> ir.File:
    source = Source("t.proc", text)
    return parse(source)


def lower_errors(text: str) -> list[str]:
    with pytest.raises(CompileError) as info:
        lowered(text)
    return [f"{d.span.line}:{d.span.col}: {d.message}" for d in info.value.diagnostics]


def body(stmts: str) -> tuple:
    return lowered("program p {\n" + stmts + "\n}\n").programs[0].body


@pytest.mark.parametrize("text, ns", [("250ns", 250), ("5us", 5_000), ("5µs", 5_000), ("2ms", 2_000_000),
                                      ("1.5s", 1_500_000_000), ("0.75ms", 750_000), ("3s", 3_000_000_000)])
def test_durations_are_integer_nanoseconds(text: str, ns: int) -> None:
    assert parse_duration(text) == ns
    (stmt,) = body(f"compute {text}")
    assert stmt.duration.value == ns
    assert type(stmt.duration.value) is int


def test_fractional_nanoseconds_are_kept_exact_until_checked() -> None:
    assert parse_duration("1.5ns") == Fraction(3, 2)


@pytest.mark.parametrize("text, size", [("512B", 512), ("4KiB", 4096), ("1MiB", 1 << 20), ("1GiB", 1 << 30)])
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_page_count_setting_is_bytes() -> None:
    f = lowered('scenario "s" {\n  machine { memory 100 pages }\n  program p { compute 1ms }\n  run p\n}\n')
    (setting,) = f.scenarios[0].machine.settings
    assert (setting.value, setting.value_type) == (100 * 4096, "size")


def test_string_escapes() -> None:
    (stmt,) = body(r'print "a\tb\n\"q\"\\ {{x}}"')
    assert stmt.value == ir.Lit(span=stmt.value.span, type="str", value='a\tb\n"q"\\ {x}')


def test_interpolation_becomes_parts_with_source_columns() -> None:
    (stmt,) = body('  print "pid {pid} is {x + 1}"')
    interp = stmt.value
    assert isinstance(interp, ir.Interp)
    texts = [p for p in interp.parts if isinstance(p, str)]
    exprs = [p for p in interp.parts if not isinstance(p, str)]
    assert texts == ["pid ", " is "]
    assert isinstance(exprs[0], ir.Name) and exprs[0].id == "pid"
    # `pid` inside the braces starts at column 15 of line 2: the span is the text as written
    assert (exprs[0].span.line, exprs[0].span.col) == (2, 15)
    assert isinstance(exprs[1], ir.Binary)


def test_spans_point_at_the_source() -> None:
    (a, b) = body("  compute 1ms\n    sleep 2ms")
    assert (a.span.line, a.span.col) == (2, 3)
    assert (b.span.line, b.span.col) == (3, 5)
    assert (a.duration.span.col, a.duration.span.end_col) == (11, 14)


def test_statement_kinds() -> None:
    stmts = body("x = fork\nfork w { exit 1 }\np = pipe\nm = mutex\ns = wait w nohang\nsend SIGTERM to w\n"
                 "on SIGUSR1 { pause }\nignore SIGINT\nsubreaper\nzzz 3")
    assert [s.kind for s in stmts] == ["special_assign", "fork_block", "special_assign", "special_assign", "wait",
                                       "send", "on", "ignore", "subreaper", "unknown"]
    assert stmts[0].what == "fork" and stmts[2].what == "pipe" and stmts[3].what == "mutex"
    assert stmts[4].into == "s" and stmts[4].nohang is True


def test_if_else_chain() -> None:
    (stmt,) = body("if x == 1 {\n exit 1\n} else if x == 2 {\n exit 2\n} else {\n exit 3\n}")
    assert len(stmt.branches) == 2
    assert stmt.orelse is not None and len(stmt.orelse) == 1


def test_expect_points_and_visibility() -> None:
    f = lowered('scenario "s" {\n  program p { compute 1ms }\n  run p\n'
                '  expect "d" [2.5 pts, hidden] exit_code(p) == 0\n  expect exit_code(p) == 0\n}\n')
    first, second = f.scenarios[0].expects
    assert (first.description, first.points, first.visibility) == ("d", 2.5, "hidden")
    assert (second.description, second.points, second.visibility) == (None, None, "visible")


def test_tolerance_is_lowered() -> None:
    f = lowered('scenario "s" {\n  program p { compute 1ms }\n  run p\n  expect cpu_time(p) == 1ms ± 5us\n}\n')
    cmp = f.scenarios[0].expects[0].assertion.expr
    assert isinstance(cmp, ir.Compare) and cmp.tolerance.value == 5_000


def test_ir_is_frozen() -> None:
    (stmt,) = body("compute 1ms")
    with pytest.raises(ValidationError):
        stmt.kind = "sleep"


def test_lowering_collects_every_problem() -> None:
    errors = lower_errors('program p {\n  print "\\q"\n  compute 0.5ns\n}\n')
    assert errors == ["2:10: unknown escape '\\q' in string", "3:11: a duration must be a whole number of nanoseconds"]


def test_one_machine_init_until_per_scenario() -> None:
    errors = lower_errors('scenario "s" {\n  machine { cpus 1 }\n  machine { cpus 2 }\n  program p { pause }\n'
                          '  init p\n  init p\n  until 1ms\n  until 2ms\n}\n')
    assert [e.split(": ", 1)[1] for e in errors] == ["a scenario has one machine block", "a scenario has one init",
                                                     "a scenario has one until"]
