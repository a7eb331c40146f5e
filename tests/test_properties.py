"""Kernel invariants on random small programs: time, CPUs, process lifecycles, PIDs, determinism."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procdsl.check.checker import check
from procdsl.check.model import Model
from procdsl.core.events import Trace
from procdsl.kernel import run_plan
from procdsl.pipeline import compile_path

END_REASONS = {"done", "deadlock", "until", "time limit", "init exited", "limit max_events", "limit max_processes",
               "limit max_output"}
LIVE_STATES = {"running", "ready", "sleeping", "disk_wait", "stopped", "zombie", "reaped"}

small = st.integers(min_value=1, max_value=5)
duration = st.builds(lambda n, u: f"{n}{u}", small, st.sampled_from(["us", "ms"]))
signal = st.sampled_from(["SIGUSR1", "SIGTERM", "SIGCHLD", "SIGSTOP", "SIGCONT", "SIGKILL", "SIGPIPE"])

leaf = st.one_of(
    st.builds("compute {}".format, duration),
    st.builds("sleep {}".format, duration),
    st.builds("io {}".format, duration),
    st.just('print "n={n}"'),
    st.just("n += 1"),
    st.builds("send {} to ppid".format, signal),
    st.just("send SIGUSR1 to pid"),
    st.just('write p "line\\n"'),
    st.just("close p.write"),
    st.just("close p.read"),
    st.builds("exit {}".format, st.integers(0, 3)),
    st.just("s = wait nohang"),
    st.builds("nice {}".format, st.integers(-5, 10)),
    st.builds(lambda k, d: f"repeat {k} {{ compute {d} }}", small, duration),
    st.just("x = 1 / (n - n)"),          # division by zero: SIGFPE
)


def block(stmts: list[str]) -> str:
    return "; ".join(stmts)


top = st.one_of(
    leaf,
    st.builds(lambda b: f"fork kid {{ {block(b)} }}", st.lists(leaf, max_size=4)),
    st.builds(lambda b: f"x = fork; if x == 0 {{ {block(b)}; exit 0 }}", st.lists(leaf, max_size=4)),
    st.just("wait"),
    st.just("for line in p { print line }"),
    st.just("fork; n += 1"),
)

machine = st.fixed_dictionaries({
    "cpus": st.integers(1, 4),
    "scheduler": st.sampled_from(["cfs", "rr", "fifo"]),
    "seed": st.integers(0, 1000),
    "pid_max": st.sampled_from([12, 400, 32768]),
})


def source(m: dict, main: list[str], other: list[str]) -> str:
    lines = ['scenario "random" {', "  machine {"]
    lines += [f"    {k} {v}" for k, v in m.items()]
    lines += ["    max_events 20000", "  }"]
    prelude = ["n = 0", "p = pipe", "on SIGUSR1 { n += 1 }"]
    lines.append("  program main {\n" + "\n".join("    " + s for s in prelude + main) + "\n  }")
    lines.append("  program other {\n" + "\n".join("    " + s for s in ["n = 0", "p = pipe"] + other) + "\n  }")
    lines += ["  run main", "  run other at 1ms", "  run main as late at 2ms", "  until 200ms", "}"]
    return "\n".join(lines) + "\n"


def compile_one(text: str):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.proc"
        path.write_text(text, encoding="utf-8")
        _, plans, diags = compile_path(str(path))
    assert not diags, [d.message for d in diags] + [text]
    return plans[0]


def assert_invariants(trace: Trace) -> None:
    evs = trace.events
    assert trace.end_reason in END_REASONS, trace.end_reason
    # time never runs backwards
    times = [e.time for e in evs]
    assert times == sorted(times)
    assert trace.end_time >= (times[-1] if times else 0) or trace.end_reason in ("until", "time limit")

    on_cpu: dict[int, int] = {}
    stopped: set[int] = set()
    live: set[int] = set()
    exited: set[int] = set()
    created: set[int] = set()
    for e in evs:
        if e.kind in ("spawn", "fork"):
            new = e.pid if e.kind == "spawn" else e.detail[0]
            assert new not in live, f"PID {new} handed out while still in use, at {e.time}"
            live.add(new)
            created.add(new)
            exited.discard(new)
        elif e.kind == "exit":
            assert e.pid in live and e.pid not in exited, f"PID {e.pid} exits twice or was never created"
            exited.add(e.pid)
        elif e.kind == "reap":
            child = e.detail[0]
            assert child in exited, f"PID {child} reaped before it exited"
            live.discard(child)
            exited.discard(child)
        elif e.kind == "stop":
            stopped.add(e.pid)
        elif e.kind == "cont":
            stopped.discard(e.pid)
        elif e.kind == "switch":
            nxt = e.pid
            if nxt:
                assert nxt in live and nxt not in exited, f"dead PID {nxt} dispatched at {e.time}"
                assert nxt not in stopped, f"stopped PID {nxt} dispatched at {e.time}"
                others = [c for c, pid in on_cpu.items() if pid == nxt and c != e.cpu]
                assert not others, f"PID {nxt} on cpu{e.cpu} and cpu{others[0]} at once, at {e.time}"
            on_cpu[e.cpu] = nxt
        if e.pid > 0 and e.kind not in ("signal", "limit", "end", "deadlock", "fault"):
            assert e.pid in created, f"event for PID {e.pid} that was never created: {e}"

    # every process ends reaped, a zombie, or in a live state: none vanishes
    model = Model(trace)
    for p in model.procs:
        state = p.state.at(model.end)
        assert state in LIVE_STATES, f"{p} ends in state {state!r}"
        if p.exit_time is None:
            assert p.reap_time is None, f"{p} reaped without exiting"
        if p.reap_time is not None:
            assert state == "reaped"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(m=machine, main=st.lists(top, min_size=1, max_size=6), other=st.lists(top, max_size=4))
def test_kernel_invariants_hold_for_random_programs(m: dict, main: list[str], other: list[str]) -> None:
    plan = compile_one(source(m, main, other))
    trace = run_plan(plan)
    assert_invariants(trace)
    again = run_plan(plan)
    assert again.events == trace.events and again.end_reason == trace.end_reason, "same seed, different trace"
    check(plan, trace)          # the checker takes any trace without raising


def test_the_invariants_catch_a_broken_trace() -> None:
    """The property test is only worth something if a bad trace fails it."""
    plan = compile_one(source({"cpus": 2, "scheduler": "cfs", "seed": 1, "pid_max": 400},
                              ["fork kid { compute 1ms }", "wait"], []))
    trace = run_plan(plan)
    assert_invariants(trace)
    for broken in (trace.events[::-1],                                   # time runs backwards
                   trace.events + [e for e in trace.events if e.kind == "fork"],  # a PID handed out twice
                   [e for e in trace.events if e.kind != "exit"]):        # reaped without exiting
        bad = Trace(list(broken), trace.end_time, trace.end_reason, trace.labels, trace.cpus)
        try:
            assert_invariants(bad)
        except AssertionError:
            continue
        raise AssertionError("a broken trace passed the invariants")
