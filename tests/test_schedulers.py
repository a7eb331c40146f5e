"""The scheduling policies, their settings, the real-time classes, and `stats` / `compare`."""

from __future__ import annotations

import json

import pytest
from helpers import assert_passes, cli_main, diagnostics_of, model_of, write_proc

from procdsl.kernel.scheduler import POLICIES

NO_COST = "context_switch 0us; step 0ns"


def ostep(policy: str, runs: str, *expects: str) -> str:
    lines = "\n".join(f"  expect {e}" for e in expects)
    return f"""
program job5 {{ compute 5ms }}
program job10 {{ compute 10ms }}
program job100 {{ compute 100ms }}
scenario "s" {{
  machine {{ scheduler {policy}; {NO_COST} }}
{runs}
{lines}
}}
"""


@pytest.mark.parametrize("policy, runs, expects", [
    ("fifo", "run job10 as job\nrun job10 as job\nrun job10 as job", ["avg(turnaround, job) == 20ms"]),
    ("fifo", "run job100 as job\nrun job10 as job\nrun job10 as job", ["avg(turnaround, job) == 110ms"]),
    ("sjf", "run job100 as job\nrun job10 as job at 10ms\nrun job10 as job at 10ms",
     ["avg(turnaround, job) == 103.333ms ± 1us"]),
    ("stcf", "run job100 as job\nrun job10 as job at 10ms\nrun job10 as job at 10ms",
     ["avg(turnaround, job) == 50ms", "avg(response_time, job) == 3.333ms ± 1us"]),
    ("rr { quantum 1ms }", "run job5 as job\nrun job5 as job\nrun job5 as job",
     ["avg(response_time, job) == 1ms", "avg(turnaround, job) == 14ms"]),
    ("rr { quantum 10ms }", "run job5 as job\nrun job5 as job\nrun job5 as job",
     ["avg(response_time, job) == 5ms", "avg(turnaround, job) == 10ms"]),
])
def test_ostep_chapter_7_numbers(tmp_path, policy, runs, expects) -> None:
    assert_passes(tmp_path, ostep(policy, runs, *expects))


def test_every_language_scheduler_is_available() -> None:
    assert set(POLICIES) == {"cfs", "eevdf", "fifo", "sjf", "stcf", "rr", "mlfq", "lottery", "stride"}


def test_sjf_without_a_known_length_is_a_compile_error(tmp_path) -> None:
    diags = diagnostics_of(tmp_path, """
        program worker { repeat 3 { compute 1ms } }
        scenario "s" {
          machine { scheduler sjf }
          run worker
        }
    """)
    assert any("sjf needs each job's length" in d and "'worker'" in d for d in diags), diags


def test_burst_option_gives_the_length(tmp_path) -> None:
    assert_passes(tmp_path, f"""
        program worker {{ repeat 3 {{ compute 10ms }} }}
        program quick {{ compute 5ms }}
        scenario "s" {{
          machine {{ scheduler stcf; {NO_COST} }}
          run worker burst 30ms
          run quick at 1ms
          expect time(exit(quick)) == 6ms
        }}
    """)


@pytest.mark.parametrize("setting, message", [
    ("rr { quantm 1ms }", "scheduler rr has no setting 'quantm'"),
    ("rr { quantum 5 }", "a duration needs a unit"),
    ("mlfq { queues 2; quantum_3 1ms }", "scheduler mlfq has no setting 'quantum_3'"),
    ("eevdf { slice 0ms }", "must be longer than 0"),
    ("fifo { switch_on_end 2 }", "switch_on_end is 0 or 1"),
    ("fifo { io_run_immediate yes }", "takes a whole number"),
    ("rr { switch_on_end 1 }", "scheduler rr has no setting 'switch_on_end'"),
    ("mlfq { io_bump 3 }", "io_bump is 0 or 1"),
])
def test_scheduler_settings_are_checked(tmp_path, setting, message) -> None:
    diags = diagnostics_of(tmp_path, f"""
        program p {{ compute 1ms }}
        scenario "s" {{
          machine {{ scheduler {setting} }}
          run p
        }}
    """)
    assert any(message in d for d in diags), diags


def test_mlfq_demotes_a_hog_and_keeps_an_interactive_job_on_top(tmp_path) -> None:
    assert_passes(tmp_path, f"""
        program long {{ compute 100ms }}
        program inter {{ repeat 5 {{ compute 1ms; io 9ms }} }}
        scenario "s" {{
          machine {{ scheduler mlfq {{ queues 3; quantum 10ms }}; {NO_COST} }}
          run long
          run inter at 40ms
          expect response_time(inter) == 0ms
          expect max_delay(inter) == 0ms
        }}
    """)


def test_stride_splits_exactly_by_tickets(tmp_path) -> None:
    assert_passes(tmp_path, f"""
        program spin {{ compute 1s }}
        scenario "s" {{
          machine {{ scheduler stride {{ quantum 1ms }}; {NO_COST} }}
          run spin as a tickets 300
          run spin as b tickets 100
          expect cpu_time(a) == 300ms at 400ms
        }}
    """)


def test_lottery_follows_the_seed(tmp_path) -> None:
    text = f"""
        program spin {{ compute 200ms }}
        scenario "s" {{
          machine {{ scheduler lottery {{ quantum 1ms }}; {NO_COST} }}
          run spin as a tickets 50
          run spin as b tickets 50
        }}
    """
    def share(seed):
        m = model_of(tmp_path, text, seed=seed)
        a = m.by_label["a"][0]
        return m.cpu_time(a, 100_000_000)
    assert share(1) == share(1)
    assert len({share(s) for s in range(1, 6)}) > 1
    assert all(35_000_000 < share(s) < 65_000_000 for s in range(1, 6))


def test_eevdf_first_turn_is_half_a_slice(tmp_path) -> None:
    assert_passes(tmp_path, f"""
        program spin {{ compute 10ms }}
        scenario "s" {{
          machine {{ scheduler eevdf {{ slice 2ms }}; {NO_COST} }}
          run spin as a
          run spin as b
          expect time(run(b)) == 1ms
          expect cpu_time(a) == 3ms at 4ms
        }}
    """)


def test_cfs_tick_rounds_slices_up_to_hz(tmp_path) -> None:
    assert_passes(tmp_path, """
        program spin { compute 100ms }
        scenario "s" {
          machine { scheduler cfs; tick 4ms }
          run spin as a
          run spin as b at 1ms
          expect involuntary_switches(a) == 25 ± 1
        }
    """)


def test_stats_json_has_perf_sched_columns(tmp_path) -> None:
    path = write_proc(tmp_path, ostep("fifo", "run job10 as job\nrun job10 as job"))
    status, out, err = cli_main(["stats", str(path), "--format", "json"])
    assert status == 0, err
    report = json.loads(out)[0]
    rows = {p["name"]: p for p in report["processes"]}
    assert rows["job[1]"]["wait"] == 10_000_000 and rows["job[1]"]["turnaround"] == 20_000_000
    assert report["summary"]["avg_turnaround"] == 15_000_000
    assert report["cpus"][0]["switches"] >= 2


def test_compare_runs_each_policy_on_the_same_workload(tmp_path) -> None:
    path = write_proc(tmp_path, ostep("fifo", "run job100 as job\nrun job10 as job at 10ms\nrun job10 as job at 10ms",
                                      "avg(turnaround, job) == 50ms"))
    status, out, err = cli_main(["compare", str(path), "--schedulers", "fifo,stcf", "--format", "json"])
    assert status == 0, err
    runs = json.loads(out)[0]["schedulers"]
    assert runs["fifo"]["summary"]["avg_turnaround"] == 103_333_333
    assert runs["stcf"]["summary"]["avg_turnaround"] == 50_000_000
    assert runs["stcf"]["expectations"] == {"hold": 1, "total": 1}
    status, out, err = cli_main(["compare", str(path), "--schedulers", "fifo,sjff"])
    assert status == 2 and "sjff" in err


def test_compare_skips_sjf_when_lengths_are_unknown(tmp_path) -> None:
    path = write_proc(tmp_path, """
        program loop { repeat 2 { compute 1ms } }
        scenario "s" { run loop }
    """)
    status, out, _ = cli_main(["compare", str(path), "--schedulers", "sjf,rr"])
    assert status == 0 and "job lengths unknown" in out


def test_realtime_fifo_preempts_fair_and_rr_takes_100ms_turns(tmp_path) -> None:
    from helpers import compile_text

    from procdsl.check.checker import check
    from procdsl.kernel import run_plan
    plan = compile_text(tmp_path, f"""
        program spin {{ compute 300ms }}
        scenario "s" {{
          machine {{ {NO_COST} }}
          run spin as fair
          run spin as a at 10ms
          run spin as b at 10ms
          expect time(run(a)) == 10ms
          expect time(run(b)) == 110ms
          expect time(exit(b)) == 610ms
          expect involuntary_switches(fair) == 1
        }}
    """)[0]
    # `rt rr 10` on a and b (set on the plan, as the compiler does for `run ... rt rr 10`)
    starts = tuple(s.model_copy(update={"rt": ("rr", 10)}) if s.labels[0] != "fair" else s for s in plan.starts)
    plan = plan.model_copy(update={"starts": starts})
    result = check(plan, run_plan(plan))
    assert result.passed, [(e.text, e.message) for e in result.expectations if not e.passed]


def test_cfs_queue_keeps_vruntime_order_through_removals_and_compaction() -> None:
    import random

    from procdsl.kernel.process import Cpu, Proc
    from procdsl.kernel.scheduler.base import PREEMPTED
    from procdsl.kernel.scheduler.cfs import Cfs

    cpus = [Cpu(0), Cpu(1)]
    cfs = Cfs(cpus, {}, random.Random(1))
    rng = random.Random(7)
    procs = []
    for pid in range(1, 401):
        p = Proc(pid, pid)
        p.vruntime = rng.randrange(1_000_000)
        p.weight = 1024
        cfs.enqueue(cpus[0], p, 0, PREEMPTED)
        procs.append(p)
    removed = set(rng.sample(range(400), 300))        # enough dead entries to rebuild the heap
    for i in sorted(removed):
        cfs.dequeue(cpus[0], procs[i])
    with pytest.raises(KeyError):                     # queued on CPU 0, not CPU 1
        cfs.dequeue(cpus[1], procs[min(set(range(400)) - removed)])
    assert cfs.nr_queued(cpus[0]) == 100
    stolen = cfs.steal_candidate(cpus[0], 1)
    want = sorted((p.vruntime, p.seq) for i, p in enumerate(procs) if i not in removed)
    assert (stolen.vruntime, stolen.seq) == want[-1]  # balancing moves the task that would run last
    got = []
    while (p := cfs.pick_next(cpus[0], 0)) is not None:
        got.append((p.vruntime, p.seq))
    # pick order is (vruntime, enqueue order); seq here equals the pid, which equals enqueue order
    assert got == want
    assert cpus[0].rq.heap == []
