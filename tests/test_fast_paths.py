"""The per-event shortcuts of fork, wait and signals give what the long way gives, on every scenario.

A live check's kernel leaves out the records its model does nothing with (`Kernel.unheard`); a
ProcInfo makes its histories and lists at their first use; plain integers add and compare without
the unit and bool rules. Each is compared here with the way it replaced.
"""

from __future__ import annotations

import copy
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procdsl import ir, pipeline
from procdsl.check import needs
from procdsl.check.checker import check
from procdsl.check.history import History, OutputLog
from procdsl.check.model import ON_FIRST_USE, REAPS, Model, ProcInfo
from procdsl.check.monitor import UNRECORDED, Feed
from procdsl.core.bounds import INT_LIMIT
from procdsl.core.values import Dur, ProgramFault, SharedCell, Sig, arith, compile_expr
from procdsl.ir.span import Span
from procdsl.kernel import run_plan
from procdsl.kernel.loop import Kernel
from tests.helpers import SCENARIOS

ALL_SCENARIOS = sorted(SCENARIOS.glob("*.proc"))


def _plans(path):
    _unit, plans, diags = pipeline.compile_path(str(path))
    assert not diags
    return plans


def _live(plan, unheard: bool) -> Model:
    """A model fed live as `check` feeds it, with or without the kernel leaving out what it does not hear."""
    model = Model(facets=needs.facets(plan))
    kernel = Kernel(plan)
    kernel.events = feed = Feed(model)
    if unheard:
        kernel.unheard = feed.unheard
    trace = kernel.run()
    trace.events = UNRECORDED
    model.close(trace)
    return model


def _moments(model: Model) -> list[tuple[str, int]]:
    """Every moment a process's story records, in the order (time, index) puts them."""
    keyed = []
    for n, p in enumerate(model.procs):
        keyed.append(((p.created, p.created_index), ("start", n)))
        for what in ("exec", "exit", "reap") if REAPS in model.facets else ("exec", "exit"):
            t, i = getattr(p, what + "_time"), getattr(p, what + "_index")
            if t is not None:
                keyed.append(((t, i), (what, n)))
        keyed.extend(((t, i), ("stop", n)) for t, i, _sig in p.stops)
        keyed.extend(((t, i), ("cont", n)) for t, i in p.conts)
    return [tag for _key, tag in sorted(keyed)]


@pytest.mark.parametrize("path", ALL_SCENARIOS, ids=lambda p: p.name)
def test_a_live_check_that_leaves_out_unheard_records_is_the_recorded_check(path) -> None:
    for plan in _plans(path):
        assert pipeline.run_scenario(plan) == check(plan, run_plan(plan))
        spared, whole = _live(plan, True), _live(plan, False)
        # the indexes count fewer records, in the same order: every `before`/`after` is the same
        assert _moments(spared) == _moments(whole)
        reaps = REAPS in spared.facets
        assert [(p.pid, p.name, p.exit_code, p.reap_time if reaps else None, p.output.text()) for p in spared.procs] == \
               [(p.pid, p.name, p.exit_code, p.reap_time if reaps else None, p.output.text()) for p in whole.procs]


def test_what_is_unheard_is_what_no_handler_follows() -> None:
    plan = _plans(SCENARIOS / "28_signal_handler.proc")[0]
    model = Model(facets=frozenset())
    unheard = model.unheard()
    assert "switch" in unheard and "signal" in unheard and "handle" in unheard
    assert not unheard & {"spawn", "fork", "exit", "output"}
    assert "reap" in unheard and "reap" not in Model(facets=frozenset({REAPS})).unheard()    # a facet of its own
    assert Model(facets=needs.facets(plan) | {"instants"}).unheard() == frozenset()   # every instant counts
    assert Kernel(plan).unheard == frozenset()          # a recorded run keeps every record


def test_a_procinfo_makes_at_first_use_what_it_would_have_made_at_once() -> None:
    a = ProcInfo(7, "w", 0, "w", 5, 3, 1, "worker", -2, 0, frozenset())
    b = ProcInfo(8, "w", 1, "w[1]", 6, 4, 1, "worker", 0, 0, frozenset())
    for p, (ppid, cmd, nice) in ((a, (1, "worker", -2)), (b, (1, "worker", 0))):
        assert (p.ppid.times, p.ppid.values) == ([p.created], [ppid])
        assert (p.cmd.times, p.cmd.values) == ([p.created], [cmd])
        assert (p.nice.times, p.nice.values) == ([p.created], [nice])
        assert p.timers == p.stops == p.conts == p.cow == [] and isinstance(p.output, OutputLog)
    a.stops.append((9, 1, 19))
    a.output.append((9, "x"))
    a.cmd.set(10, "other")
    assert b.stops == [] and b.output.text() == "" and b.cmd.values == ["worker"]     # nothing shared
    assert a.stops is a.stops and a.cmd is a.cmd                                        # made once
    assert set(ON_FIRST_USE) <= set(ProcInfo.__slots__)


def test_a_copy_of_a_procinfo_makes_its_own_at_first_use() -> None:
    fresh = ProcInfo(7, "w", 0, "w", 5, 3, 1, "worker", 0, 0, frozenset())
    for twin in (copy.deepcopy(fresh), pickle.loads(pickle.dumps(fresh))):
        twin.cow.append((6, 2))
        assert fresh.cow == [] and twin.cow == [(6, 2)]
        assert twin.ppid.values == [1] and isinstance(twin.ppid, History)
    fresh.nice.set(8, 5)
    kept = pickle.loads(pickle.dumps(fresh))
    assert (kept.nice.times, kept.nice.values) == ([5, 8], [0, 5])


@pytest.mark.parametrize("path", ALL_SCENARIOS[::9], ids=lambda p: p.name)
def test_each_process_starts_with_the_parent_pid_command_and_nice_its_record_gave(path) -> None:
    for plan in _plans(path):
        trace = run_plan(plan)
        model = Model(trace)
        first = {}
        for ev in trace.events:
            if ev.kind == "spawn":
                first.setdefault(ev.pid, (ev.detail[0], ev.detail[3], ev.detail[4]))
        for p in model.procs:
            if p.pid in first and p.created_index == model.by_pid_history[p.pid][0].created_index:
                assert (p.ppid.values[0], p.cmd.values[0], p.nice.values[0]) == first[p.pid]


SPAN = Span(file="t.proc", line=1, col=1, end_line=1, end_col=2)
ints = st.integers(min_value=-INT_LIMIT - 3, max_value=INT_LIMIT + 3)


@given(ints, ints, st.sampled_from(["+", "-"]))
def test_plain_integers_add_as_the_bounded_rule_says(a: int, b: int, op: str) -> None:
    exact = a + b if op == "+" else a - b
    if -INT_LIMIT <= exact < INT_LIMIT:
        assert arith(op, a, b, SPAN) == exact and type(arith(op, a, b, SPAN)) is int
    else:
        with pytest.raises(ProgramFault, match="integer overflow"):
            arith(op, a, b, SPAN)


def test_numbers_that_are_not_plain_integers_keep_their_rules() -> None:
    assert type(arith("+", Dur(5), Dur(3), SPAN)) is Dur
    with pytest.raises(ProgramFault, match="give the number a unit"):
        arith("+", Dur(5), 3, SPAN)
    with pytest.raises(ProgramFault, match="booleans are not numbers"):
        arith("+", True, 1, SPAN)
    assert arith("+", "a", 1, SPAN) == "a1"


def _lit(v: int):
    return ir.Lit(value=v, type="int", span=SPAN)


def _cmp(op: str, left, right, tol=None):
    return ir.Compare(op=op, left=left, right=right, tolerance=tol, span=SPAN)


@given(st.integers(-50, 50), st.integers(-50, 50), st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
def test_plain_integers_compare_as_python_does(a: int, b: int, op: str) -> None:
    got = compile_expr(_cmp(op, _lit(a), _lit(b)), lambda env, name, span: None)(None)
    assert got is {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def test_a_comparison_of_other_values_takes_the_long_way() -> None:
    names = {"cell": SharedCell(3), "sig": Sig(10), "text": "3", "dur": Dur(3)}
    look = lambda env, name, span: names[name]           # noqa: E731

    def compare(op, left, right, tol=None):
        operand = ir.Name(id=left, span=SPAN) if left in names else _lit(left)
        return compile_expr(_cmp(op, operand, _lit(right), None if tol is None else _lit(tol)), look)(None)
    assert compare("==", "cell", 3) is True                # a shared variable's value
    assert compare("==", "text", 3) is False               # a string is never a number
    assert compare("==", "sig", 10) is True
    assert compare("<", "dur", 4) is True
    assert compare("==", 3, 5, tol=2) is True and compare("==", 3, 6, tol=2) is False
