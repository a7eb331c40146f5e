"""Random programs of credential, environment and exec statements: no internal error, a bounded run,
and the checker's view of every process's ids and environment (replayed from events) equal to the
kernel's own at the end."""

from __future__ import annotations

import os
from pathlib import Path

from helpers import cli_main, compile_text, write_proc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procdsl.check.model import Model
from procdsl.kernel.loop import Kernel

IDS = ["0", "1000", "2000", "-1", "4294967295", "-2", '"x"']
NAMES = ["PATH", "HOME", "X", '"A=B"', '""']
TARGETS = ['"/bin/tool"', '"/opt/nox"', '"/opt"', '"/opt/data"', '"tool"', '"nosuch"', '""', '"/bin/tool/x"']
VALUES = ["1", '"/bin:/opt"', '""', "uid"]
BUDGET = int(os.environ.get("PROCDSL_FUZZ_EXAMPLES", "40"))


@st.composite
def statement(draw) -> str:
    i = lambda: draw(st.sampled_from(IDS))  # noqa: E731
    name = draw(st.sampled_from(NAMES))
    target = draw(st.sampled_from(TARGETS))
    call = draw(st.sampled_from(["setuid", "seteuid", "setgid", "setegid"]))
    pair = draw(st.sampled_from(["setreuid", "setregid"]))
    triple = draw(st.sampled_from(["setresuid", "setresgid"]))
    return draw(st.sampled_from([
        f"r = {call} {i()}",
        f"{pair} {i()}, {i()}",
        f"{triple} {i()}, {i()}, {i()}",
        f"setgroups [{i()}, {i()}]",
        f"setenv {name} {draw(st.sampled_from(VALUES))}",
        f"unsetenv {name}",
        f"exec {target}",
        f"execvp {target}",
        f'execvp {target} env {{ PATH = "/opt:/bin" }}',
        "exec tool",
        "fork",
        "send SIGUSR1 to ppid",
        'x = getenv("PATH", "none")',
        'fd = open "/opt/data" O_RDWR',
        "sleep 10us",
    ]))


def source(body: list[str], uid: int) -> str:
    lines = "\n".join("    " + s for s in body)
    return f"""scenario "fuzz" {{
  machine {{ max_events 20000 }}
  files {{
    program "/bin/tool" tool owner 0 mode 4755
    program "/opt/nox" tool mode 644
    file "/opt/data" "bytes" mode 755
  }}
  program tool {{
    on SIGUSR1 {{
      print "{{euid}}"
    }}
    setenv SEEN "yes"
    sleep 20us
  }}
  program main {{
    on SIGUSR1 {{
      print "{{uid}}"
    }}
{lines}
  }}
  run main uid {uid} env {{ PATH = "/bin" }}
}}
"""


@settings(max_examples=BUDGET, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                     HealthCheck.function_scoped_fixture])
@given(st.lists(statement(), min_size=1, max_size=14), st.sampled_from([0, 1000]))
def test_random_credential_programs(tmp_path: Path, body: list[str], uid: int) -> None:
    (plan,) = compile_text(tmp_path, source(body, uid))
    k = Kernel(plan)
    trace = k.run()
    assert trace.end_reason in ("done", "fault", "limit max_events", "limit max_processes"), trace.end_reason
    if trace.end_reason != "done":
        return
    model = Model(trace)
    for p in k.procs.values():
        info = model.proc(p.pid)
        if info is None or p.pid == 1:
            continue
        ids = model.creds.ids[info].values[-1]
        assert ids == (p.uid, p.euid, p.suid, p.gid, p.egid, p.sgid, p.groups), (p, ids)
        assert model.creds.env[info].values[-1] == p.env, p


@settings(max_examples=BUDGET, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                     HealthCheck.function_scoped_fixture])
@given(st.lists(statement(), min_size=1, max_size=6))
def test_random_credential_programs_through_the_cli(tmp_path: Path, body: list[str]) -> None:
    path = write_proc(tmp_path, source(body, 1000))
    code, out, err = cli_main(["run", str(path)])
    assert code in (0, 1), err
    assert "internal error" not in out + err and "Traceback" not in out + err
