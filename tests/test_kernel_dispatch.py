"""The dispatch path's shortcuts give what the general code gives: the same text, durations and event order."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import compile_text, events, run_text
from hypothesis import given
from hypothesis import strategies as st

from procdsl.ir.unparse import format_duration
from procdsl.kernel.code import load_program
from procdsl.kernel.loop import Kernel, run_plan
from procdsl.kernel.opsupport import duration_text
from procdsl.kernel.scheduler.base import INF
from procdsl.pipeline import compile_path

MS = 1_000_000
ROOT = Path(__file__).resolve().parent.parent


@given(st.one_of(st.integers(0, 10**4), st.integers(0, 10**10), st.integers(0, INF),
                 st.sampled_from([10**k + d for k in range(1, 19) for d in (-1, 0, 1, 10)])))
def test_duration_text_is_format_duration(ns: int) -> None:
    assert duration_text(ns) == format_duration(ns)


def test_sleep_until_text_in_the_trace(tmp_path: Path) -> None:
    text = ('scenario "t" {\n  machine { cpus 1 }\n  program main {\n    compute 1500us\n    sleep 20ms\n'
            '    io 2s\n    sleep 0ms\n  }\n  run main\n}\n')
    blocks = [e.detail for e in events(run_text(tmp_path, text), "block") if e.pid > 1]
    assert blocks == [("S", "sleep until 21.502ms"), ("D", "io until 2.021502s")]     # sleep 0ms: no block


def test_constant_durations_are_read_at_load(tmp_path: Path) -> None:
    text = ('scenario "t" {\n  program main {\n    compute 10ms\n    d = 3ms\n    compute d\n    sleep 20ms\n'
            '    sleep d\n  }\n  run main\n}\n')
    plan = compile_text(tmp_path, text)[0]
    ops = load_program(plan.programs["main"], plan.machine).ops
    assert [op.dur for op in ops if op.fn.__name__ in ("op_compute", "op_sleep")] == [10 * MS, None, 20 * MS, None]


def _records(trace) -> list[tuple]:
    return [(e.time, e.cpu, e.pid, e.kind, e.detail) for e in trace.events]


SCENARIOS = sorted((ROOT / "scenarios").glob("*.proc"))[::6] + sorted((ROOT / "benchmarks" / "cases").glob("*.proc"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_two_heaps_run_events_in_the_one_heap_order(path: Path) -> None:
    """The CPUs' events in a heap of their own change nothing: with both heaps one list (every
    event in one heap, as before the split) each scenario's trace is the same, record for record."""
    _, plans, diags = compile_path(str(path))
    assert not diags
    for plan in plans:
        split = run_plan(plan)
        k = Kernel(plan)
        k.cpu_heap = k.heap
        assert _records(k.run()) == _records(split)


def test_ties_between_cpus_and_timers(tmp_path: Path) -> None:
    """Two CPUs whose tasks end slices, sleep and wake at the same instants: the one-heap order holds."""
    text = ('scenario "t" {\n  machine {\n cpus 2\n scheduler rr { quantum 4ms }\n }\n'
            '  program main {\n    repeat 6 {\n      fork w {\n        repeat 3 {\n          compute 10ms\n'
            '          sleep 4ms\n        }\n      }\n    }\n  }\n  run main\n}\n')
    plan = compile_text(tmp_path, text)[0]
    split = run_plan(plan)
    k = Kernel(plan)
    k.cpu_heap = k.heap
    assert _records(k.run()) == _records(split)
    assert len([e for e in split.events if e.kind == "switch"]) > 30


RT_TEXT = ('scenario "t" {\n  machine { cpus 2 }\n  program fair {\n    compute 5ms\n  }\n'
           '  program hard {\n    compute 2ms\n  }\n  run fair\n  RT_START\n}\n')


def test_the_rt_layer_stands_above_the_policy_only_from_the_first_real_time_task(tmp_path: Path) -> None:
    plain = Kernel(compile_text(tmp_path, RT_TEXT.replace("RT_START", ""))[0])
    plain.run()
    assert plain.sched is plain.policy                       # no real-time task: the policy is called directly
    late = Kernel(compile_text(tmp_path, RT_TEXT.replace("RT_START", "run hard rt fifo 10 at 1ms"))[0])
    assert late.sched is late.policy
    trace = late.run()
    assert type(late.sched).__name__ == "RealTime" and late.sched.fair is late.policy
    hard = [e.pid for e in trace.events if e.kind == "spawn" and e.detail[3] == "hard"]
    switches = [e.time for e in trace.events if e.kind == "switch" and e.pid in hard]
    assert hard and switches[0] == 1 * MS         # the real-time task runs as it arrives


def test_a_live_check_is_fed_no_record_of_a_kind_it_does_not_follow(tmp_path: Path) -> None:
    """Blocks and switches nobody follows are kept from the model (emit, block, dispatch), and
    the verdict is the recorded run's."""
    from procdsl.check import needs
    from procdsl.check.model import Model
    from procdsl.check.monitor import Feed

    text = ('scenario "t" {\n  machine { cpus 1 }\n  program main {\n    repeat 3 {\n      compute 1ms\n'
            '      sleep 2ms\n    }\n    print "done"\n  }\n  run main\n  expect output == "done\\n"\n}\n')
    plan = compile_text(tmp_path, text)[0]
    model = Model(facets=needs.facets(plan))
    feed = Feed(model)
    assert {"switch", "block"} <= feed.unheard
    fed: list[str] = []
    inner = feed.append
    feed.append = lambda ev: (fed.append(ev[3]), inner(ev))
    k = Kernel(plan)
    k.events = feed
    k.unheard = feed.unheard
    k.run()
    assert fed and not set(fed) & feed.unheard
    recorded = [e.kind for e in run_plan(plan).events]
    assert recorded.count("switch") >= 4 and recorded.count("block") >= 3     # init waits too
