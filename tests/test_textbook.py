"""Parity with the textbook's simulators (OSTEP): the rules at one instant, and the scenarios 81-89
that reproduce published homework numbers, each shown to fail when its setting is taken away."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SCENARIOS, check_text, failures

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


# file, the setting as written, what it becomes with the setting taken away
WITHOUT_SETTING = [
    ("83_mlfq_io_bump.proc", "; io_bump 1", ""),
]


@pytest.mark.parametrize("name, setting, off", WITHOUT_SETTING, ids=[w[0] for w in WITHOUT_SETTING])
def test_every_textbook_scenario_fails_without_its_setting(tmp_path: Path, name: str, setting: str, off: str) -> None:
    text = (SCENARIOS / name).read_text(encoding="utf-8")
    assert setting in text
    results = results_of(tmp_path, text.replace(setting, off))
    assert results and all(not r.passed for r in results), [r.title for r in results if r.passed]


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
