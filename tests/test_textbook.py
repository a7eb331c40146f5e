"""Parity with the textbook's simulators (OSTEP): the rules at one instant, and the scenarios 81-89
that reproduce published homework numbers, each shown to fail when its setting is taken away."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import SCENARIOS, check_text, diagnostics_of, failures

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


@pytest.mark.parametrize("setting, message", [
    ("fifo { switch_on_end 2 }", "switch_on_end is 0 or 1"),
    ("fifo { io_run_immediate yes }", "takes a whole number"),
    ("rr { switch_on_end 1 }", "scheduler rr has no setting 'switch_on_end'"),
    ("mlfq { io_bump 3 }", "io_bump is 0 or 1"),
])
def test_textbook_settings_are_checked(tmp_path: Path, setting: str, message: str) -> None:
    diags = diagnostics_of(tmp_path, f"""
        program p {{ compute 1ms }}
        scenario "s" {{
          machine {{ scheduler {setting} }}
          run p
        }}
    """)
    assert any(message in d for d in diags), diags


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
