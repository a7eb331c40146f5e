"""Parity with the textbook's simulators (OSTEP): the rules at one instant, and the scenarios 81-89
that reproduce published homework numbers, each shown to fail when its setting is taken away."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import SCENARIOS, check_text, compile_text, diagnostics_of, failures
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import assert_invariants, compile_one, source, top

from procdsl.check.checker import check
from procdsl.check.model import Model
from procdsl.kernel import run_plan

TEXTBOOK = sorted(p for p in SCENARIOS.glob("8[1-9]_*.proc"))


def results_of(tmp_path: Path, text: str) -> list:
    return check_text(tmp_path, text)


def failed_lines(tmp_path: Path, text: str) -> list[str]:
    """The text of every expectation that fails, over all the scenarios of `text`."""
    return [e.text for r in results_of(tmp_path, text) for e in r.expectations if not e.passed]


@pytest.mark.parametrize("path", TEXTBOOK, ids=lambda p: p.name)
def test_textbook_scenario_passes(tmp_path: Path, path: Path) -> None:
    for r in results_of(tmp_path, path.read_text(encoding="utf-8")):
        assert r.passed, f"{path.name}: scenario {r.title!r} failed:\n{failures(r)}"


def test_free_statements_due_at_a_preemption_run_first(tmp_path: Path) -> None:
    text = (SCENARIOS / "81_one_instant.proc").read_text(encoding="utf-8")
    assert not failed_lines(tmp_path, text)
    # the same workloads with the fair job's compute 1 ns longer: now it is preempted with
    # work left, and everything the scenario pins moves
    longer = text.replace("program work { compute 3ms }", "program work { compute 3000001ns }")
    longer = longer.replace("program reader { compute 3ms;", "program reader { compute 3000001ns;")
    missed = failed_lines(tmp_path, longer)
    assert "time(exit(fair)) == 3ms" in missed and "time(exit(job)) == 8ms" in missed, missed



TIE = """
program e6_io {{ compute 3ms; io 5ms; compute 3ms }}
program e6_cpu {{ compute 12ms }}
scenario "s" {{
  machine {{ scheduler {policy}; context_switch 0us; step 0ns }}
  run e6_io as j0
  run e6_cpu as j1
  expect state({runs}) == running at 8ms
}}
"""


@pytest.mark.parametrize("policy, runs", [("mlfq { queues 1; quantum 5ms }", "j1"), ("rr { quantum 5ms }", "j0")])
def test_a_quantum_ending_as_a_job_wakes_queues_first_under_mlfq_only(tmp_path: Path, policy, runs) -> None:
    # mlfq follows OSTEP (the job whose quantum ended is queued first and runs on); rr follows
    # procdsl's own rule, wake-ups first
    assert not failed_lines(tmp_path, TIE.format(policy=policy, runs=runs))
    other = "j0" if runs == "j1" else "j1"
    assert failed_lines(tmp_path, TIE.format(policy=policy, runs=other))


def test_io_of_zero_ms_leaves_the_cpu(tmp_path: Path) -> None:
    assert not failed_lines(tmp_path, """
        program a { compute 1ms; io 0ms; compute 1ms }
        program b { compute 5ms }
        scenario "s" {
          machine { scheduler fifo; context_switch 0us; step 0ns }
          run a
          run b
          expect state(a) == ready at 3ms
          expect time(exit(a)) == 7ms
          expect voluntary_switches(a) == 2
        }
    """)


# file, a pattern matching the setting as written, and what it becomes without it
WITHOUT_SETTING = [
    ("83_mlfq_io_bump.proc", r"; io_bump 1", ""),
    ("84_process_run.proc", r"fifo \{[^}]*\}", "fifo"),
    ("88_process_run_homework.proc", r"fifo \{[^}]*\}", "fifo"),
]


@pytest.mark.parametrize("name, setting, off", WITHOUT_SETTING, ids=[w[0] for w in WITHOUT_SETTING])
def test_every_textbook_scenario_fails_without_its_setting(tmp_path: Path, name: str, setting: str, off: str) -> None:
    """Each scenario that uses the setting gets published numbers wrong without it."""
    text = (SCENARIOS / name).read_text(encoding="utf-8")
    head, *scenarios = text.split("\nscenario ")
    uses = [re.search(setting, sc) is not None for sc in scenarios]
    assert any(uses)
    results = results_of(tmp_path, re.sub(setting, off, text))
    assert len(results) == len(scenarios)
    for used, r in zip(uses, results):
        assert r.passed != used, f"{r.title!r} {'still passes without' if used else 'fails with'} the setting"


# file, a scenario's title (a part of it), a setting in it, and what the setting becomes
SCENARIO_WITHOUT_SETTING = [
    ("85_multi_cache.proc", "-M 300", "cache_size 300", "cache_size 0"),
    ("85_multi_cache.proc", "-p -L a:50:50", "cache_size 100", "cache_size 0"),
    ("85_multi_cache.proc", "-n 1 -L a:30:200:", "cache_size 100", "cache_size 300"),
    ("85_multi_cache.proc", "jobs hop", "run_queue shared;", ""),
    ("85_multi_cache.proc", "affinity keeps", "cache_size 100;", ""),
    ("85_multi_cache.proc", "super-linear", "cache_size 100;", ""),
    ("86_multi_stealing.proc", "steals a at 60", "balance steal; peek_interval 30ms;", "balance none;"),
    ("86_multi_stealing.proc", "steals a at 60", "balance steal; peek_interval 30ms;", ""),
    ("86_multi_stealing.proc", "random victims", "balance steal; peek_interval 10ms;", "balance none;"),
    ("86_multi_stealing.proc", "no stealing", "balance none;", ""),
    ("86_multi_stealing.proc", "busy CPU", "balance steal; peek_interval 5ms;", "balance none;"),
    ("87_mlfq_figures.proc", "fig. 8.5", "; boost 50ms", ""),
    ("87_mlfq_figures.proc", "old rules gamed", "; io_reset 1", ""),
    ("87_mlfq_figures.proc", "gaming stopped", "quantum 10ms }", "quantum 10ms; io_reset 1 }"),
    ("87_mlfq_figures.proc", "fig. 8.7", "allotment_0 20ms", "allotment_0 10ms"),
    ("89_multi_homework.proc", "one CPU", "cache_size 100", "cache_size 300"),
    ("89_multi_homework.proc", "other way round", "working_set 100 on cpu 1", "working_set 100"),
    ("89_multi_homework.proc", "-p: per-CPU", "balance steal; peek_interval 30ms;", "run_queue shared;"),
]


@pytest.mark.parametrize("name, title, setting, off", SCENARIO_WITHOUT_SETTING,
                         ids=[f"{w[0][:2]}-{w[1]}-{w[3] or 'off'}" for w in SCENARIO_WITHOUT_SETTING])
def test_textbook_scenario_fails_without_its_setting(tmp_path: Path, name: str, title: str, setting: str,
                                                      off: str) -> None:
    text = (SCENARIOS / name).read_text(encoding="utf-8")
    head, *scenarios = text.split("\nscenario ")
    (i,) = [k for k, sc in enumerate(scenarios) if title in sc.split("\n")[0]]
    assert setting in scenarios[i]
    scenarios[i] = scenarios[i].replace(setting, off)
    results = results_of(tmp_path, "\nscenario ".join([head, *scenarios]))
    assert not results[i].passed, f"{results[i].title!r} still passes with {setting!r} -> {off!r}"


def test_level_is_mlfq_only(tmp_path: Path) -> None:
    results = results_of(tmp_path, """
        program hog { compute 30ms }
        scenario "s" {
          machine { scheduler cfs }
          run hog
          expect level(hog) == 0
        }
    """)
    (e,) = results[0].expectations
    assert not e.passed and "has no mlfq level" in e.message + " ".join(e.explanation) + results[0].note


def test_switch_on_end_keeps_each_cpu_for_its_task_on_several_cpus(tmp_path: Path) -> None:
    assert not failed_lines(tmp_path, """
        program reader { compute 1ms; io 5ms; compute 1ms }
        program hog { compute 3ms }
        scenario "s" {
          machine { cpus 2; scheduler fifo { switch_on_end 1 }; context_switch 0us; step 0ns }
          run reader as a
          run hog as b
          run hog as c
          # cpu 0 waits for a; c, queued there, moves to cpu 1 once b is done
          expect state(c) == ready at 2ms
          expect time(run(c)) == 3ms
          expect migrations(c) == 1
          expect time(exit(a)) == 7ms
          expect migrations(a) == 0
          expect utilization(cpu 0) < 0.3
        }
    """)


def test_rr_counts_its_quantum_in_whole_ticks(tmp_path: Path) -> None:
    # b is dispatched at 5 ms, in the middle of a tick: that tick counts whole, so its
    # one-tick quantum ends at 10 ms (Linux's task_tick_rt; multi.py's global slices)
    assert not failed_lines(tmp_path, """
        program short { compute 5ms }
        program long { compute 20ms }
        scenario "s" {
          machine { scheduler rr { quantum 10ms }; tick 10ms; context_switch 0us; step 0ns }
          run short as a
          run long as b
          run long as c
          expect time(run(c)) == 10ms
          expect time(exit(b)) == 45ms
          expect time(exit(c)) == 40ms
        }
    """)
    assert not failed_lines(tmp_path, """
        program long { compute 30ms }
        scenario "s" {
          machine { scheduler rr { quantum 15ms }; tick 10ms; context_switch 0us; step 0ns }
          run long as a
          run long as b
          # 15 ms is two ticks: the quantum ends at the second tick after the dispatch
          expect time(run(b)) == 20ms
        }
    """)


textbook_machine = st.fixed_dictionaries({
    "cpus": st.integers(1, 4),
    "scheduler": st.sampled_from(["fifo", "fifo { switch_on_end 1 }", "fifo { io_run_immediate 1 }",
                                  "rr { quantum 2ms }", "mlfq { queues 3; quantum 1ms; boost 5ms; io_bump 1 }",
                                  "mlfq { queues 2; quantum 2ms; io_reset 1 }"]),
    "seed": st.integers(0, 1000),
    "tick": st.sampled_from(["0ns", "1ms"]),
    "balance": st.sampled_from(["linux", "steal", "none"]),
    "cache_size": st.sampled_from([0, 60, 100]),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(m=textbook_machine, shared=st.booleans(), main=st.lists(top, min_size=1, max_size=6),
       other=st.lists(top, max_size=4))
def test_textbook_machines_keep_the_kernel_invariants(m: dict, shared: bool, main: list, other: list) -> None:
    m = dict(m)
    if shared and m["scheduler"].split()[0] in ("fifo", "rr") and "{ s" not in m["scheduler"] \
            and "{ io" not in m["scheduler"]:
        del m["balance"]
        m["run_queue"] = "shared"
    text = source(m, main, other).replace("  run main\n", "  run main working_set 50\n")
    plan = compile_one(text)
    trace = run_plan(plan)
    assert_invariants(trace)
    assert run_plan(plan).events == trace.events, "same seed, different trace"
    model = Model(trace)
    end = max(model.end, 1)
    for cpu in range(m["cpus"]):
        assert model.warm_fraction(cpu, end) <= model.utilization(cpu, end) + 1e-9
    assert 0 <= model.io_busy(end) <= end
    check(plan, trace)


CACHE = """
program j {{ compute 30ms }}
scenario "s" {{
  machine {{ scheduler rr {{ quantum 5ms }}; cache_size {size}; cache_warmup 10ms; context_switch 0us; step 0ns }}
  run j as a working_set {ws}
  run j as b working_set {ws}
  {expects}
}}
"""


def test_warm_up_adds_up_over_runs_and_a_warm_job_runs_twice_as_fast(tmp_path: Path) -> None:
    # a and b take 5 ms turns: each has run 10 ms (cold) by 15 / 20 ms, then does 2 ms of work a ms
    expects = ("expect time(exit(a)) == 35ms; expect time(exit(b)) == 40ms; "
               "expect warm_fraction(cpu 0) == 0.5; expect cpu_time(a) == 20ms")
    assert not failed_lines(tmp_path, CACHE.format(size=100, ws=50, expects=expects.replace("; ", "\n  ")))


def test_warming_a_job_evicts_the_oldest_and_an_evicted_job_warms_up_again(tmp_path: Path) -> None:
    trace = run_plan(compile_text(tmp_path, CACHE.format(size=100, ws=60, expects=""))[0])
    cache = [(e.time // 1_000_000, trace.labels[e.pid], e.detail[0]) for e in trace.events if e.kind == "cache"]
    # 60 + 60 > 100: b's warm-up at 20 ms evicts a, whose warm-up (10 ms more of running) evicts b
    assert cache[:5] == [(15, "a", "warm"), (20, "b", "warm"), (20, "a", "evicted"), (35, "a", "warm"),
                         (35, "b", "evicted")], cache
    # a job that has exited is never reported evicted: it leaves the caches with no event
    assert cache[5:] == [(50, "b", "warm")], cache


@pytest.mark.parametrize("machine, message", [
    ("cpus 2; run_queue shared; scheduler cfs", "run_queue shared works with the fifo and rr schedulers, not cfs"),
    ("cpus 2; run_queue shared; scheduler fifo { switch_on_end 1 }", "does not combine with switch_on_end"),
    ("cpus 2; run_queue shared; balance steal; scheduler rr", "a shared run queue has nothing to balance"),
    ("cpus 2; peek_interval 10ms", "peek_interval is how often `balance steal` looks for work"),
    ("cpus 2; balance stealing", "balance is linux, steal or none"),
    ("run_queue one", "run_queue is per_cpu or shared"),
    ("cache_size 100; warm_rate 0", "warm_rate is the work done per unit of time: at least 1"),
    ("cache_warmup 10", "a duration needs a unit"),
])
def test_multi_cpu_settings_are_checked(tmp_path: Path, machine: str, message: str) -> None:
    diags = diagnostics_of(tmp_path, f"""
        program p {{ compute 1ms }}
        scenario "s" {{
          machine {{ {machine} }}
          run p working_set 10
        }}
    """)
    assert any(message in d for d in diags), diags


def test_exit_cpu_is_where_it_exited(tmp_path: Path) -> None:
    results = results_of(tmp_path, """
        program spin { compute 10ms }
        program nap { sleep 50ms }
        scenario "s" {
          machine { cpus 2; context_switch 0us; step 0ns }
          run spin as a on cpu 1
          run nap as b
          at 5ms send SIGKILL to b
          expect exit_cpu(a) == 1
          expect exit_cpu(b) == 0
        }
    """)
    # a killed sleeper wakes to exit on a CPU, as in Linux (do_exit runs in the task)
    assert all(e.passed for e in results[0].expectations)


def test_cold_rate_is_the_work_done_while_not_warm(tmp_path: Path) -> None:
    # 10 ms cold at 2 units a ms (20 of 100), then 80 units warm at 4 a ms: 20 ms more
    assert not failed_lines(tmp_path, """
        program j { compute 100ms }
        scenario "s" {
          machine { scheduler fifo; cache_size 100; cold_rate 2; warm_rate 4; context_switch 0us; step 0ns }
          run j working_set 50
          expect time(exit(j)) == 30ms
          expect warm_fraction(cpu 0) == 0.6667 ± 0.0001
        }
    """)
    assert failed_lines(tmp_path, """
        program j { compute 100ms }
        scenario "s" {
          machine { scheduler fifo; cache_size 100; warm_rate 4; context_switch 0us; step 0ns }
          run j working_set 50
          expect time(exit(j)) == 30ms
        }
    """) == ["time(exit(j)) == 30ms"]


def test_io_run_immediate_keeps_its_turns_when_a_queued_task_is_adopted(tmp_path: Path) -> None:
    # the child waits in the queue while its parent exits and init adopts it (which changes
    # its place among init's children, not its turn)
    assert not failed_lines(tmp_path, """
        program main { n = 0; fork; n += 1 }
        scenario "s" {
          machine { scheduler fifo { io_run_immediate 1 }; context_switch 0us; step 0ns }
          run main
          expect count(main) == 2
          expect all_exited
        }
    """.replace("          expect all_exited\n", "          expect state(main[1]) == reaped at end\n"))
