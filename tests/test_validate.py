"""Validation: every problem in a file is reported at once, with the nearest name as a suggestion."""

from __future__ import annotations

from pathlib import Path

from helpers import compile_text, diagnostics_of

from procdsl.lang.diagnostics import did_you_mean, nearest


def test_nearest_name() -> None:
    assert nearest("compte", ["compute", "sleep"]) == "compute"
    assert nearest("SIGTERN", ["SIGTERM", "SIGKILL"]) == "SIGTERM"
    assert nearest("Main", ["main", "other"]) == "main"       # case slips win outright
    assert nearest("zzzzzz", ["compute"]) is None
    assert nearest("x", []) is None
    assert did_you_mean("slep", ["sleep"]) == " (did you mean 'sleep'?)"
    assert did_you_mean("qqq", ["sleep"]) == ""


def test_all_problems_reported_together_in_source_order(tmp_path: Path) -> None:
    diags = diagnostics_of(tmp_path, """
        scenario "many mistakes" {
          program main {
            compte 1ms
            sleep 5
            on SIGKILL { exit 1 }
          }
          run main
          expect exit_code(mian) == 0
        }
        """)
    assert diags == [
        "3:5: unknown statement 'compte' (did you mean 'compute'?)",
        "4:11: a duration needs a unit",
        "5:8: SIGKILL cannot be caught or ignored",
        "8:20: no process is labelled 'mian' (did you mean 'main'?)",
    ]


def test_scenarios_are_validated_separately_and_shared_problems_reported_once(tmp_path: Path) -> None:
    diags = diagnostics_of(tmp_path, """
        program shared_prog {
          sleep 1
        }
        scenario "one" {
          run shared_prog
        }
        scenario "two" {
          run shared_prog
          run nosuch
        }
        """)
    assert diags == ["2:9: a duration needs a unit", "9:7: unknown program 'nosuch'"]


def test_labels_come_from_run_as_fork_blocks_and_init(tmp_path: Path) -> None:
    compile_text(tmp_path, """
        scenario "labels" {
          program boss {
            fork helper {
              compute 1ms
            }
            wait
          }
          run boss as manager
          expect exit_code(manager) == 0
          expect exit_code(helper) == 0
          expect state(init) == sleeping
          expect count(helper) == 1
        }
        """)


def test_variables_assigned_anywhere_in_the_program_are_known(tmp_path: Path) -> None:
    compile_text(tmp_path, """
        scenario "names" {
          program main {
            if pid > 0 {
              later = 1
            }
            print "{later} {errno} {ppid} {args} {SIGTERM} {EAGAIN}"
            for x in [1, 2] {
              print "{x}"
            }
          }
          run main
        }
        """)


def test_blocking_sigkill_is_rejected_but_default_is_fine(tmp_path: Path) -> None:
    diags = diagnostics_of(tmp_path, """
        scenario "masks" {
          program main {
            default SIGKILL
            block SIGSTOP
          }
          run main
        }
        """)
    assert diags == ["4:11: SIGSTOP cannot be blocked"]


def test_break_inside_a_fork_block_inside_a_loop_is_outside_any_loop(tmp_path: Path) -> None:
    # the child runs the block and exits: a `break` there has no loop of its own to leave
    diags = diagnostics_of(tmp_path, """
        scenario "break" {
          program main {
            loop {
              fork kid {
                break
              }
              break
            }
          }
          run main
        }
        """)
    assert diags == ["5:9: 'break' outside a loop"]


def test_expectation_queries_and_events_are_known(tmp_path: Path) -> None:
    compile_text(tmp_path, """
        scenario "queries" {
          program main {
            compute 1ms
          }
          run main
          expect state(main) == zombie or state(main) == reaped
          expect alive(main) == false
          expect cpu_time(main) == 1ms
          expect switches(cpu 0) >= 1
          expect utilization(cpu 0) > 0.1
          expect start(main) before exit(main)
          expect time(exit(main)) > 0ns
          expect zombies == 0
          expect "some output" "" in output
        }
        """)


def test_open_labels_with_a_submission(tmp_path: Path) -> None:
    """With `use submission`, labels depend on the submission and are checked when the test runs."""
    (tmp_path / "sub.proc").write_text("program main {\n  fork worker {\n    compute 1ms\n  }\n  wait\n}\n")
    tests = tmp_path / "tests.proc"
    tests.write_text('use submission\nscenario "s" {\n  run main\n  expect exit_code(worker) == 0\n'
                     '  expect count(helper) == 0\n}\n')
    from procdsl.pipeline import compile_path
    _, plans, diags = compile_path(str(tests), [str(tmp_path / "sub.proc")])
    assert not diags and len(plans) == 1
