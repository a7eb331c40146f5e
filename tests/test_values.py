"""Runtime values: arithmetic results, faults at the statement's line, and the bounds on every value."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import ROOT, cli_main, run_text, write_proc
from hypothesis import given, settings
from hypothesis import strategies as st

from procdsl.core.bounds import LIST_LIMIT, list_measure, without
from procdsl.core.show import SHOW_LIMIT, show


def outputs(trace) -> list[str]:
    return [e.detail[1] for e in trace.events if e.kind == "output"]


def fault(trace) -> tuple:
    found = [e.detail for e in trace.events if e.kind == "fault"]
    assert found, "the run did not fault"
    return found[0][0], found[0][2]           # message, line


def program(body: str) -> str:
    return ('scenario "s" {\n  program a {\n' + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ")
            + "\n  }\n  run a\n}\n")


# ------------------------------------------------------------------ arithmetic


def test_decimal_remainder_has_the_sign_of_the_left_side_like_integers(tmp_path: Path) -> None:
    trace = run_text(tmp_path, program("""
        print 7.5 % 2.0
        print -7.5 % 2.0
        print 7.5 % -2.0
        print -7 % 2
        print 7 % -2
        print 10ms % 3ms
    """))
    assert outputs(trace) == ["1.5\n", "-1.5\n", "1.5\n", "-1\n", "1\n", "1ms\n"]


@pytest.mark.parametrize("expr, message", [
    ('"abc" / 2', "cannot compute string / number"),
    ('5 % "0"', "cannot compute number % string"),
    ("[1] / 2", "cannot compute list / number"),
    ("-true", "cannot negate a boolean"),
])
def test_division_of_what_is_not_a_number_is_a_fault_at_its_line(tmp_path: Path, expr: str, message: str) -> None:
    trace = run_text(tmp_path, program(f"""
        x = 1
        print {expr}
    """))
    assert fault(trace) == (message, 4)


@pytest.mark.parametrize("body, message", [
    ("x = -9223372036854775807 - 1\nprint -x", "integer overflow: numbers are 64-bit"),
    ("x = 1" + "0" * 300 + ".0\nprint x * x", "decimal overflow: decimals are 64-bit floating point"),
    ("x = 1" + "0" * 300 + ".0\nprint 5ms * x", "integer overflow: numbers are 64-bit"),
    ("x = 1" + "0" * 300 + ".0\nprint 1000000000s * x",
     "cannot compute duration * decimal: the result is out of range"),
    ("x = 1" + "0" * 300 + ".0\nprint x / 0.0000000001", "decimal overflow: decimals are 64-bit floating point"),
])
def test_overflow_is_a_fault_not_infinity(tmp_path: Path, body: str, message: str) -> None:
    trace = run_text(tmp_path, program(body))
    assert fault(trace) == (message, 4)


def test_an_empty_list_repeated_a_huge_number_of_times_is_empty(tmp_path: Path) -> None:
    trace = run_text(tmp_path, program("""
        n = 9223372036854775807
        print [] * n
        print "" * n
        print len([1] * 100000)
    """))
    assert outputs(trace) == ["[]\n", "\n", "100000\n"]


def test_exit_keeps_the_low_eight_bits_of_any_64_bit_value(tmp_path: Path) -> None:
    trace = run_text(tmp_path, """
        scenario "s" {
          program a {
            for c in [9223372036854775807, -9223372036854775807 - 1, 263, -1, 256] {
              fork child {
                exit c
              }
              s = wait child
              print "{s.code}"
            }
          }
          run a
        }
    """)
    assert outputs(trace) == ["255\n", "0\n", "7\n", "255\n", "0\n"]


# ------------------------------------------------------------------ list difference


def test_difference_keeps_order_and_drops_every_equal_item(tmp_path: Path) -> None:
    trace = run_text(tmp_path, program("""
        print [3, 1, 2, 3, 2.0, true, "1", [1], [2]] - [2, 1.0, [1]]
        print [1, 2, 1] - 1
        print ["a", "b"] - "a"
        print [] - [1]
    """))
    assert outputs(trace) == ['[3, 3, 1, [2]]\n', "[2]\n", "[b]\n", "[]\n"]


def test_difference_matches_pairwise_comparison() -> None:
    values = (0, 1, 1.0, 2.5, True, False, "1", "", (1,), (1.0,), ((),), ())
    for a in (values, values * 3, values[::-1]):
        for b in (values, values[:4], values[5:], (1,), ()):
            assert without(a, b) == tuple(x for x in a if x not in b)


# ------------------------------------------------------------------ bounds of one value


def test_a_list_counts_the_items_of_the_lists_inside_it() -> None:
    x: tuple = (1,)
    for _ in range(40):
        x = (x, x)           # 2^40 items in all, 41 distinct lists: measured in 41 steps
    items, depth = list_measure(x)
    assert items > LIST_LIMIT and depth <= 41
    assert list_measure(((1, 2), (3,), ())) == (6, 2)


def test_a_list_that_holds_itself_many_times_faults_at_the_bound(tmp_path: Path) -> None:
    trace = run_text(tmp_path, program("""
        x = [1]
        repeat 40 {
          x = [x, x]
        }
        print x
    """))
    assert fault(trace) == ("a list holding more than 100000 items, counting those of the lists inside it", 5)


def test_lists_nest_at_most_a_hundred_deep(tmp_path: Path) -> None:
    trace = run_text(tmp_path, program("""
        x = []
        repeat 200 {
          x = [x]
        }
    """))
    assert fault(trace) == ("lists nested more than 100 deep", 5)


def test_an_interpolation_is_bounded_like_any_string(tmp_path: Path) -> None:
    trace = run_text(tmp_path, program("""
        s = "x" * 1000000
        t = "{s}{s}"
    """))
    assert fault(trace) == ("a string longer than 1048576 characters", 4)


def test_a_string_literal_longer_than_a_string_may_be_is_a_compile_error(tmp_path: Path) -> None:
    path = write_proc(tmp_path, program(f'print "{"y" * (SHOW_LIMIT + 1)}"'))
    code, _, err = cli_main(["check", str(path)])
    assert code == 2
    assert f"{path}:3:11: error: string literal too long" in err
    assert len(err) < 2_000, "the diagnostic quoted the whole line"


def test_show_cuts_a_long_value_and_counts_what_it_left_out() -> None:
    assert show(tuple(range(30)), 40) == "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, … (18 more)]"
    assert show("a" * 100, 40) == "a" * 40 + "… (60 more)"
    assert show(("a" * 100,), 40) == "[… (1 more)]"
    assert show(((1, 2), (3, (4,)), ()), 14) == "[[1, 2], [3, … (2 more)]]"
    # what is not cut reads as before
    assert show(((1, 2), (3, (4,)), (), True, 0.75, "s")) == "[[1, 2], [3, [4]], [], true, 0.75, s]"


def test_show_of_a_huge_shared_or_deep_value_is_bounded() -> None:
    shared: tuple = (1,)
    for _ in range(40):
        shared = (shared, shared)
    deep: tuple = ()
    for _ in range(2_000_000):
        deep = (deep,)
    for value in (shared, deep, ("z" * SHOW_LIMIT,) * 3):
        text = show(value)
        assert len(text) <= SHOW_LIMIT + 40, len(text)
        assert "more)" in text


_SLOW = textwrap.dedent("""
    scenario "s" {
      program a {
        xs = [0] * 100000
        ys = [1] * 100000
        print len(xs - ys)
        print len(ys - xs - ys)
        zs = ["x" * 1000] * 100000
        s = "{zs}"
        print len(s)
        print "xx, … (98,954 more)]" in s
      }
      run a
    }
""")


def test_one_statement_on_large_lists_does_bounded_work(tmp_path: Path) -> None:
    """Two 100,000-item lists took 10^10 comparisons to subtract, and a list of long strings
    printed 10^8 characters; run in a child under a generous timeout, not a timing assertion."""
    path = write_proc(tmp_path, _SLOW)
    done = subprocess.run([sys.executable, "-m", "procdsl", "run", str(path)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    printed = [line.split("fd 1: ")[1] for line in done.stdout.splitlines() if " output " in line]
    assert printed == ["'100000\\n'", "'0\\n'", "'1048109\\n'", "'true\\n'"], printed


# ------------------------------------------------------------------ properties

_SCALARS = st.one_of(st.integers(-10**6, 10**6), st.booleans(), st.text(max_size=6),
                     st.floats(allow_nan=False, allow_infinity=False, width=32))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=5).map(tuple), max_leaves=40)


def _naive(v) -> str:
    """The rendering before it was bounded: what show gives whenever nothing is cut."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple):
        return "[" + ", ".join(_naive(x) for x in v) + "]"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


@settings(max_examples=300, deadline=None)
@given(_VALUES, st.integers(1, 60))
def test_show_is_the_plain_rendering_or_a_bounded_prefix_of_it(value, limit: int) -> None:
    full = _naive(value)
    assert show(value) == full
    cut = show(value, limit)
    if cut != full:
        assert "… (" in cut and " more)" in cut
        kept = cut.split("… (")[0].rstrip(", ")
        assert full.startswith(kept)
        assert len(kept) <= limit


@settings(max_examples=300, deadline=None)
@given(st.lists(_VALUES, max_size=8).map(tuple), st.lists(_VALUES, max_size=8).map(tuple))
def test_difference_is_pairwise_difference(a: tuple, b: tuple) -> None:
    assert without(a, b) == tuple(x for x in a if x not in b)


@settings(max_examples=300, deadline=None)
@given(_VALUES.filter(lambda v: isinstance(v, tuple)))
def test_list_measure_counts_every_item_and_level(value: tuple) -> None:
    def items(v):
        return sum(1 + (items(x) if isinstance(x, tuple) else 0) for x in v)

    def depth(v):
        return 1 + max((depth(x) for x in v if isinstance(x, tuple)), default=0)

    assert list_measure(value) == (items(value), depth(value))
