"""wait(2) takes the zombie child created first, through re-parenting, subreapers and targeted waits."""

from __future__ import annotations

from pathlib import Path

from procdsl import pipeline
from tests.helpers import write_proc

ADOPTED = """
scenario "a subreaper reaps adopted zombies oldest first" {
  program main {
    subreaper
    fork mid {
      fork g1 {
        compute 3ms
      }
      fork g2 {
        compute 1ms
      }
      compute 2ms
    }
    fork late {
      compute 500us
    }
    sleep 10ms
    %s
    repeat 4 {
      s = wait
      print "{s.pid} {s.code}"
    }
    s = wait
    print "{s.pid}"
  }
  run main
  expect output == "%s"
}
"""


def _passes(tmp_path: Path, text: str) -> None:
    result = pipeline.check_path(str(write_proc(tmp_path, text)))
    assert not result.diagnostics
    assert all(sc.passed for sc in result.scenarios), [e.message for sc in result.scenarios for e in sc.expectations]


def test_adopted_zombies_are_reaped_in_creation_order(tmp_path: Path) -> None:
    # they became zombies in the order late(4), mid(3), g2(6), g1(5); wait takes them by age
    _passes(tmp_path, ADOPTED % ("", "3 0\\n4 0\\n5 0\\n6 0\\n-1\\n"))


def test_a_targeted_wait_leaves_the_order_of_the_rest(tmp_path: Path) -> None:
    # `wait late` reaps PID 4 out of turn; its place in wait's order must not come back
    _passes(tmp_path, ADOPTED % ("wait late", "3 0\\n5 0\\n6 0\\n-1 0\\n-1\\n"))


def test_many_children_reaped_one_wait_at_a_time(tmp_path: Path) -> None:
    text = """
    scenario "500 children, reaped oldest first" {
      program main {
        repeat 500 {
          fork child {
            compute 1us
          }
        }
        sleep 10ms
        first = 0
        ok = true
        repeat 500 {
          s = wait
          if first > 0 and s.pid != first + 1 {
            ok = false
          }
          first = s.pid
        }
        print "{ok} {first}"
      }
      run main
      expect output == "true 502\\n"
    }
    """
    _passes(tmp_path, text)
