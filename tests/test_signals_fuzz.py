"""Random programs built from the signal, timer, wait and mutex statements: the kernel's
invariants hold, runs are deterministic, and hostile settings end at a named limit."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import assert_invariants, compile_one

from procdsl.check.checker import check
from procdsl.kernel import run_plan

small = st.integers(min_value=1, max_value=4)
duration = st.builds(lambda n, u: f"{n}{u}", small, st.sampled_from(["us", "ms"]))
sig = st.sampled_from(["SIGUSR1", "SIGUSR2", "SIGALRM", "SIGCHLD", "SIGTERM", "SIGSTOP", "SIGCONT", "SIGTSTP"])
catchable = st.sampled_from(["SIGUSR1", "SIGUSR2", "SIGALRM", "SIGCHLD", "SIGTERM", "SIGTSTP", "SIGVTALRM"])
flags = st.sampled_from(["", " flags none", " flags SA_RESTART", " flags SA_NODEFER, SA_RESETHAND",
                         " flags SA_NOCLDSTOP", " flags SA_NOCLDWAIT, SA_RESTART"])
sigset = st.lists(catchable, min_size=1, max_size=3).map(", ".join)

leaf = st.one_of(
    st.builds("compute {}".format, duration),
    st.builds("left = sleep {}".format, duration),
    st.just("pause"),
    st.builds("sigsuspend {}".format, st.one_of(st.just("none"), sigset)),
    st.builds("block {}".format, sigset),
    st.builds("unblock {}".format, sigset),
    st.builds("setmask {}".format, st.one_of(st.just("none"), sigset)),
    st.builds("alarm {}".format, duration),
    st.builds("setitimer ITIMER_REAL {} interval {}".format, duration, duration),
    st.builds("setitimer ITIMER_VIRTUAL {}".format, duration),
    st.builds("send {} to ppid".format, sig),
    st.builds("send {} to -1".format, sig),
    st.builds(lambda s, f, m: f"on {s}{f}{m} {{ n += 1 }}", catchable, flags,
              st.sampled_from(["", " mask SIGUSR2", " mask SIGUSR1, SIGCHLD"])),
    st.builds(lambda o: f"s = wait{o}", st.sampled_from(["", " nohang", " untraced nohang", " continued nohang",
                                                          " untraced continued nohang"])),
    st.builds(lambda f: f"ignore SIGCHLD{f}", st.sampled_from(["", " flags SA_NOCLDWAIT"])),
    st.just("lock m"),
    st.just("unlock m"),
)
top = st.one_of(
    leaf,
    st.builds(lambda b: f"fork kid {{ {'; '.join(b)} }}", st.lists(leaf, max_size=4)),
)
machine = st.fixed_dictionaries({
    "cpus": st.integers(1, 3),
    "scheduler": st.sampled_from(["cfs", "rr", "fifo"]),
    "seed": st.integers(0, 100),
    "core_limit": st.sampled_from(["0", "unlimited"]),
})


def source(m: dict, main: list[str], kind: str, rt: bool) -> str:
    prelude = ["n = 0", f"shared m = mutex {kind}"]
    lines = ['scenario "random" {', "  machine {"] + [f"    {k} {v}" for k, v in m.items()]
    lines += ["    max_events 20000", "  }"]
    lines.append("  program main {\n" + "\n".join("    " + s for s in prelude + main) + "\n  }")
    lines += ["  run main", "  run main as rt rt fifo 10 at 1ms" if rt else "  run main as late at 1ms",
              "  at 2ms send SIGTSTP to main", "  at 3ms send SIGCONT to main", "  until 100ms", "}"]
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(m=machine, main=st.lists(top, min_size=1, max_size=8), kind=st.sampled_from(["normal", "errorcheck", "recursive"]),
       rt=st.booleans())
def test_signal_programs_keep_the_kernel_invariants(m: dict, main: list[str], kind: str, rt: bool) -> None:
    plan = compile_one(source(m, main, kind, rt))
    trace = run_plan(plan)
    assert_invariants(trace)
    again = run_plan(plan)
    assert again.events == trace.events, "same seed, different trace"
    check(plan, trace)


def test_hostile_timers_and_rt_periods_end_at_a_limit_in_seconds() -> None:
    for body, machine in (("on SIGALRM { n = 1 }\n    setitimer ITIMER_REAL 1ns interval 1ns\n    compute 1s", ""),
                          ("on SIGVTALRM { n = 1 }\n    setitimer ITIMER_VIRTUAL 1ns interval 1ns\n    compute 1s", ""),
                          ("loop { send SIGCONT to -1 }", ""),
                          ("compute 10s", "tick 4ms\n    scheduler cfs { rt_runtime 1ns; rt_period 2ns }")):
        text = (f'scenario "h" {{\n  machine {{\n    {machine}\n  }}\n  program main {{\n    {body}\n  }}\n'
                f"  run main rt fifo 5\n  run main as other\n  until 20s\n}}\n")
        start = time.process_time()        # CPU time: the wall clock of a shared machine says little
        trace = run_plan(compile_one(text))
        assert time.process_time() - start < 15, body
        assert trace.end_reason in ("limit max_events", "until", "done"), trace.end_reason
