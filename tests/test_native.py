"""The differential check's parts that need no C compiler: reading both sides, deciding what is fixed, comparing."""

from __future__ import annotations

from helpers import compile_text, run_text

from procdsl.kernel import run_plan
from procdsl.native.compare import VARIANTS, compare, variant_plans
from procdsl.native.observe import UNSEEN, ProcObs, RunObs, from_records, from_trace

RECORDS = """\
100 1 start 900 0 init init init
200 2 start 901 1 r0 main main
300 3 start 902 2 r0.0 child main
400 3 exec worker
500 3 handler 10
600 3 fail write 32
700 3 fail kill 3 -1
710 3 fail kill 3 44
800 3 out 1 {first}
801 3 out 1 {second}
900 2 reap 3 15
950 1 reap 2 768
999 899 end done
""".format(first="68c3", second="a90a")        # "hé\\n" split inside the é, as two records may split it


def test_records_become_outcomes() -> None:
    obs = from_records(RECORDS.splitlines() + ["garbage", "1 x start"], "hé\n")
    assert sorted(obs.procs) == ["init", "r0", "r0.0"]
    child, main = obs.procs["r0.0"], obs.procs["r0"]
    assert (child.cmd, child.end, child.reaper, child.handlers) == ("worker", "killed SIGTERM", "r0", ["SIGUSR1"])
    assert child.fails == ["write EPIPE", "kill ESRCH"]        # kill(-1) failing is not one procdsl reports
    assert child.output == "hé\n" and obs.output == "hé\n"
    assert (main.end, main.reaper) == ("exit 3", "init")
    assert obs.end == "done" and any("malformed" in n for n in obs.notes)


def test_a_process_no_wait_returned() -> None:
    lines = ["1 2 start 5 1 r0 main main", "2 3 start 6 2 r0.0 kid main", "3 3 exit 4", "4 1 reap 2 0",
             "5 4 end done"]
    kid = from_records(lines, "").procs["r0.0"]
    assert (kid.end, kid.reaper) == ("exit 4", UNSEEN)
    stuck = ["1 2 start 5 1 r0 main main", "2 4 final 5 S 1 0", "3 4 end deadline"]
    assert from_records(stuck, "").procs["r0"].end == "alive"
    zombie = ["1 2 start 5 1 r0 main main", "2 4 final 5 Z 1 2304", "3 4 end until"]
    assert from_records(zombie, "").procs["r0"].end == "zombie: exit 9"


def test_the_trace_becomes_the_same_outcomes(tmp_path) -> None:
    trace = run_text(tmp_path, """
        scenario "s" {
          program main {
            on SIGUSR1 { print "h" }
            fork child { exit 3 }
            s = wait child
            send SIGUSR1 to pid
            s = wait
          }
          run main
        }""")
    obs = from_trace(trace)
    assert sorted(obs.procs) == ["init", "r0", "r0.0"]
    assert obs.procs["r0.0"].end == "exit 3" and obs.procs["r0.0"].reaper == "r0"
    assert obs.procs["r0"].handlers == ["SIGUSR1"] and obs.procs["r0"].fails == ["wait ECHILD"]
    assert obs.output == "h\n" and obs.procs["r0"].label == "main"


def _run(**procs) -> RunObs:
    obs = RunObs(end="done")
    for path, end in procs.items():
        obs.procs[path] = ProcObs(path, path, end=end, reaper="init")
    return obs


def _never(*_):
    return None


def test_what_is_compared_and_what_is_skipped() -> None:
    same = [("a", _run(r0="exit 1", r1="exit 2")), ("b", _run(r0="exit 1", r1="exit 5"))]
    linux = [_run(r0="exit 1", r1="exit 2"), _run(r0="exit 1", r1="exit 2")]
    verdicts = {o.what: o for o in compare(same, linux, namespace=False, with_init=False, pid_output=False,
                                           known=_never)}
    assert verdicts["how r0 (r0) ended"].status == "agree"
    assert verdicts["how r1 (r1) ended"].status == "skipped"
    assert "depends on the schedule (a: exit 2; b: exit 5)" in verdicts["how r1 (r1) ended"].reason
    wobbly = [_run(r0="exit 1", r1="exit 2"), _run(r0="killed SIGINT", r1="exit 2")]
    verdicts = {o.what: o for o in compare(same[:1], wobbly, namespace=False, with_init=False, pid_output=False,
                                           known=_never)}
    assert verdicts["how r0 (r0) ended"].status == "skipped" and "varies between runs" in \
        verdicts["how r0 (r0) ended"].reason
    wrong = [_run(r0="exit 7", r1="exit 2")] * 2
    verdicts = {o.what: o for o in compare(same[:1], wrong, namespace=False, with_init=False, pid_output=False,
                                           known=_never)}
    assert (verdicts["how r0 (r0) ended"].status, verdicts["how r0 (r0) ended"].linux) == ("differ", "exit 7")
    named = {o.what: o for o in compare(same[:1], wrong, namespace=False, with_init=False, pid_output=False,
                                        known=lambda *a: "a named simplification")}
    assert named["how r0 (r0) ended"].status == "known"


def test_the_variants(tmp_path) -> None:
    [plan] = compile_text(tmp_path, """
        scenario "s" {
          machine { cpus 3 }
          program p { compute 10ms }
          run p
        }""")
    variants = dict(variant_plans(plan, 2))
    assert len(variants) == len(VARIANTS) + 3
    assert variants["the host's 2 CPU(s)"].machine.cpus == 2
    assert run_plan(variants["computes 15% slower"], None).end_time > run_plan(plan, None).end_time
    assert run_plan(variants["computes 15% faster"], None).end_time < run_plan(plan, None).end_time
