"""Random programs of session, group and terminal statements with keys typed and pressed from outside:
no internal error, a bounded run, and the checker's view of every live process's group and session
(replayed from events) equal to the kernel's own at the end."""

from __future__ import annotations

import os
from pathlib import Path

from helpers import compile_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procdsl.check.model import Model
from procdsl.kernel.loop import Kernel

PIDS = ["0", "1", "2", "3", "4", "5", "pid", "ppid", "pgid", "99"]
SIGS = ["SIGINT", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGHUP", "SIGCONT", "SIGTERM"]
BUDGET = int(os.environ.get("PROCDSL_FUZZ_EXAMPLES", "40"))


@st.composite
def statement(draw) -> str:
    a, b = draw(st.sampled_from(PIDS)), draw(st.sampled_from(PIDS))
    sig = draw(st.sampled_from(SIGS))
    return draw(st.sampled_from([
        "s = setsid",
        f"r = setpgid {a} {b}",
        f"g = getpgid {a}",
        f"g = getsid {a}",
        "g = getpgrp",
        f"r = tcsetpgrp {draw(st.sampled_from(['0', '1', '5']))} {b}",
        f"g = tcgetpgrp {draw(st.sampled_from(['0', '2', '7']))}",
        f"send {sig} to -{a}",
        f"send {sig} to 0",
        f"w = wait -{a} nohang",
        "w = wait 0 nohang",
        f"ignore {sig}" if sig not in ("SIGCONT",) else "sleep 10us",
        f"default {sig}",
        f"block {sig}",
        "n = read stdin 3 into buf",
        'print "x"',
        'fd = open "/dev/tty1" O_RDWR',
        'fd = open "/dev/tty" O_RDWR O_NOCTTY',
        "fork",
        "sleep 50us",
    ]))


@st.composite
def outside(draw) -> str:
    t = draw(st.integers(0, 400))
    return draw(st.sampled_from([
        f'at {t}us type "ab\\n"', f'at {t}us type "c"', f"at {t}us press ctrl-c", f"at {t}us press ctrl-z",
        f"at {t}us press ctrl-\\", f"at {t}us press ctrl-d", f"at {t}us hangup",
    ]))


def source(body: list[str], keys: list[str], run: str, tostop: int) -> str:
    lines = "\n".join("    " + s for s in body)
    return f"""scenario "fuzz" {{
  machine {{ max_events 20000
    tostop {tostop} }}
  program main {{
{lines}
  }}
  {run}
  {chr(10).join("  " + k for k in keys)}
  until 2ms
}}
"""


@settings(max_examples=BUDGET, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                     HealthCheck.function_scoped_fixture])
@given(st.lists(statement(), min_size=1, max_size=12), st.lists(outside(), max_size=5),
       st.sampled_from(["run main", "run main login", "run main | main", "run main\n  run main at 100us"]),
       st.sampled_from([0, 1]))
def test_random_job_control_programs(tmp_path: Path, body: list[str], keys: list[str], run: str, tostop: int) -> None:
    (plan,) = compile_text(tmp_path, source(body, keys, run, tostop))
    k = Kernel(plan)
    trace = k.run()
    assert trace.end_reason in ("done", "deadlock", "until", "fault", "limit max_events", "limit max_processes"), \
        trace.end_reason
    if trace.end_reason in ("fault", "limit max_events", "limit max_processes"):
        return
    model = Model(trace)
    for q in k.procs.values():
        info = model.proc(q.pid)
        j = model.jobs.of(info)
        assert j is not None, q
        assert (j.pgid.values[-1], j.sid.values[-1]) == (q.pgid, q.sid), (q, body, keys)
        assert j.ctty.values[-1] == (q.ctty is not None), (q, body, keys)
    for pgid, members in k.groups.members.items():
        assert members and all(m.pgid == pgid and m.pid == pid for pid, m in members.items())
    assert model.jobs.foreground.values[-1] == k.tty.pgrp
