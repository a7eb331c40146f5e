"""The checker: every expectation form holds when it should, and fails with a message that explains why."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import check_text

from procdsl.check.checker import ExpectResult

# main forks kid (2ms of CPU, exit 3), sleeps 5ms, reaps it and prints "done 3".
BASE = """
scenario "checked" {{
  program main {{
    fork kid {{
      compute 2ms
      exit 3
    }}
    sleep 5ms
    s = wait
    print "done {{s.code}}"
  }}
  run main
  {expect}
}}
"""

PS_TRUE = "ps at 3ms {\n    PID PPID STAT LABEL CMD\n    1 0 S init init\n    2 1 S main main\n    3 2 Z kid main\n  }"
PS_FALSE = "ps at 3ms {\n    PID PPID STAT LABEL\n    1 0 S init\n    2 1 S main\n    3 2 R kid\n  }"

# (form, an expectation that holds, one that does not, fragments its failure message must contain)
FORMS = [
    ("expr at end", "exit_code(kid) == 3", "exit_code(kid) == 4",
     ["expected exit_code(kid) == 4", "but it is 3"]),
    ("expr at time", "state(kid) == zombie at 3ms", "state(kid) == sleeping at 3ms",
     ["at 3.000000ms", '"zombie"']),
    ("expr at end keyword", "not alive(main) at end", "alive(main) at end", ["alive(main) is false at the end"]),
    ("tolerance", "cpu_time(kid) == 2ms ± 10us", "cpu_time(kid) == 1ms ± 100us", ["± 100us", "but it is 2ms"]),
    ("before", "exit(kid) before exit(main)", "exit(main) before exit(kid)",
     ["expected exit(main) before exit(kid)", "exit(kid) at 2."]),
    ("after", "reap(kid) after exit(kid)", "exit(kid) after exit(main)", ["expected exit(kid) after exit(main)"]),
    ("always", "always count(kid) <= 1", "always zombies == 0", ["zombies == 0 is false at 2."]),
    ("never", "never zombies > 1", "never state(kid) == zombie", ["state(kid) == zombie is true at 2."]),
    ("for all", "for all k in kid: exit_code(k) == 3", "for all k in kid: exit_code(k) == 0",
     ["for k = kid (pid 3)", "but it is 3"]),
    ("deadlock", None, "deadlock", ["no deadlock", "(done)"]),
    ("ps table", PS_TRUE, PS_FALSE, ["expected but absent: 3 2 R kid", "present but not expected: 3 2 Z kid"]),
    ("trace", "trace {\n    fork main -> kid\n    exit kid 3\n    reap main kid\n    exit main 0\n  }",
     "trace {\n    fork main -> kid\n    exit kid 0\n  }", ["`exit kid 0`", "was not found", "kid: exit 3"]),
    ("trace order", "trace {\n    exit kid\n    reap main kid\n  }", "trace {\n    reap main kid\n    exit kid\n  }",
     ["`exit kid`", "after the lines before it"]),
    ("block", '"both" { exit_code(main) == 0; exit_code(kid) == 3 }',
     '"both" { exit_code(main) == 0; exit_code(kid) == 0 }', ["expected exit_code(kid) == 0"]),
    ("output", 'output == "done 3\\n"', 'output == "done 4\\n"', ['"done 3\\n"']),
    ("in", '"has" "done" in output', '"has" "done 9" in output', ['"done 9" in output is false']),
    ("killed_by", "killed_by(kid) != SIGKILL", "killed_by(kid) == SIGKILL", ["killed_by(kid) == SIGKILL"]),
    ("reaper", "reaper(kid) == main", "reaper(kid) == init", ["reaper(kid) == init"]),
]


def run(tmp_path: Path, expect: str) -> ExpectResult:
    (result,) = check_text(tmp_path, BASE.format(expect="expect " + expect))
    (exp,) = result.expectations
    return exp


@pytest.mark.parametrize("form, good", [(f[0], f[1]) for f in FORMS if f[1] is not None])
def test_true_expectation_passes(tmp_path: Path, form: str, good: str) -> None:
    exp = run(tmp_path, good)
    assert exp.passed, f"{form}: {exp.message}"


@pytest.mark.parametrize("form, bad, fragments", [(f[0], f[2], f[3]) for f in FORMS])
def test_false_expectation_fails_with_a_useful_message(tmp_path: Path, form: str, bad: str,
                                                       fragments: list[str]) -> None:
    exp = run(tmp_path, bad)
    assert not exp.passed, f"{form}: a false expectation passed"
    for fragment in fragments:
        assert fragment in exp.message + "\n" + "\n".join(exp.explanation), \
            f"{form}: {fragment!r} missing from the failure:\n{exp.message}\n" + "\n".join(exp.explanation)


def test_deadlock_expectation_holds_on_a_deadlock(tmp_path: Path) -> None:
    (result,) = check_text(tmp_path, """
        scenario "stuck" {
          program main {
            p = pipe
            for line in p {
              print line
            }
          }
          run main
          expect deadlock
          expect state(main) == sleeping
        }
        """)
    assert result.passed, [e.message for e in result.expectations]
    assert result.end_reason == "deadlock"


def test_points_go_to_passing_expectations_only(tmp_path: Path) -> None:
    (result,) = check_text(tmp_path, BASE.format(expect='expect "a" [2 pts] exit_code(kid) == 3\n'
                                                        '  expect "b" [3 pts, hidden] exit_code(kid) == 0'))
    a, b = result.expectations
    assert (a.passed, a.points, a.max_points, a.visibility) == (True, 2, 2, "visible")
    assert (b.passed, b.points, b.max_points, b.visibility) == (False, 0, 3, "hidden")
    assert not result.passed


def test_failure_explanation_quotes_the_trace(tmp_path: Path) -> None:
    exp = run(tmp_path, "exit_code(kid) == 4")
    assert any("kid(3) exit: exit 3" in line for line in exp.explanation)


def test_a_scenario_that_hits_a_limit_fails_every_expectation(tmp_path: Path) -> None:
    (result,) = check_text(tmp_path, """
        scenario "runaway" {
          machine { max_events 1000 }
          program main {
            loop {
              compute 1us
            }
          }
          run main
          expect alive(main)
        }
        """)
    assert not result.passed
    assert "max_events" in result.note
    assert result.expectations[0].message.startswith("not checked:")


def test_a_tolerance_with_no_value_is_false_and_one_of_the_wrong_type_cannot_be_evaluated(tmp_path: Path) -> None:
    [result] = check_text(tmp_path, """scenario "tolerances" {
  program main { compute 1ms }
  run main
  expect cpu_time(main) == 1ms ± killed_by(main)
  expect count(main) == 1 ± [1]
  expect count(main) == 1 ± "x"
  expect count(main) == 1 ± 0
}""")
    none, listed, text, zero = result.expectations
    assert not none.passed and "no signal killed it" in none.message
    assert listed.message == "cannot evaluate: a tolerance must be a number or a duration, not a list"
    assert text.message == "cannot evaluate: a tolerance must be a number or a duration, not a string"
    assert zero.passed
