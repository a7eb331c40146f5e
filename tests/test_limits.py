"""Runaways stop at a named limit, and the verdict says which kind of runaway it was and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ROOT, check_text, compile_text, diagnostics_of, run_text

from procdsl.grading import tasks
from procdsl.grading.bundle import make_bundle, read_tests

ASSIGNMENT = ROOT / "docs" / "assignments" / "supervisor"


def scenario(body: str, machine: str = "") -> str:
    machine = f"  machine {{\n    {machine}\n  }}\n" if machine else ""
    return f'scenario "s" {{\n{machine}  program main {{\n    {body}\n  }}\n  run main\n  expect count(main) == 1\n}}\n'


def note_of(tmp_path: Path, text: str) -> str:
    (result,) = check_text(tmp_path, text)
    assert not result.passed and all(e.message.startswith("not checked") for e in result.expectations)
    return result.note


# ---------------------------------------------------------------------- max_output
def test_printing_a_mebibyte_forever_stops_at_max_output(tmp_path: Path) -> None:
    trace = run_text(tmp_path, scenario('s = "x" * 1048575\n    loop {\n      print s\n    }'))
    assert trace.end_reason == "limit max_output"
    written = sum(len(e.detail[1]) for e in trace.events if e.kind == "output")
    assert written == 4 * 1048576                  # four lines fit in the default 4 MiB; the fifth is refused
    note = note_of(tmp_path, scenario('s = "x" * 1048575\n    loop {\n      print s\n    }'))
    assert note.startswith("the run stopped at the limit max_output = 4194304 at ")
    assert "main (pid 2)" in note and "a loop that prints without end" in note
    assert "`machine { max_output N }`" in note


def test_max_output_counts_utf8_bytes_and_is_a_machine_setting(tmp_path: Path) -> None:
    text = scenario('loop {\n      print "é"\n    }', "max_output 30")
    trace = run_text(tmp_path, text)
    assert trace.end_reason == "limit max_output"
    assert [e.detail for e in trace.events if e.kind == "limit"] == [("max_output", 30)]
    assert sum(len(e.detail[1].encode()) for e in trace.events if e.kind == "output") == 30   # 10 lines of 3 bytes


@pytest.mark.parametrize("value, expected", [("64KiB", 65536), ("2 pages", 8192), ("1000", 1000)])
def test_max_output_takes_a_size_or_bytes(tmp_path: Path, value: str, expected: int) -> None:
    (plan,) = compile_text(tmp_path, scenario("print 1", f"max_output {value}"))
    assert plan.machine.limits.max_output == expected


def test_max_output_default_and_ceiling(tmp_path: Path) -> None:
    (plan,) = compile_text(tmp_path, scenario("print 1"))
    assert plan.machine.limits.max_output == 4 << 20
    assert diagnostics_of(tmp_path, scenario("print 1", "max_output 1ms")) == [
        "3:16: machine setting 'max_output' takes a size"]
    assert diagnostics_of(tmp_path, scenario("print 1", "max_output 512MiB")) == ["3:16: max_output is at most 256MiB"]
    (plan,) = compile_text(tmp_path, scenario("print 1", "max_output 256MiB"))
    assert plan.machine.limits.max_output == 256 << 20


# ---------------------------------------------------------------------- which runaway it was
POLL = """scenario "poll" {
  program main {
    shared done = 0
    fork child {
      sleep 1ms
      done = 1
    }
    while done == 0 {
      x = 1
    }
    wait
  }
  run main
  expect exit_code(main) == 0
}
"""


def test_a_busy_wait_is_told_that_it_polls_without_blocking(tmp_path: Path) -> None:
    note = note_of(tmp_path, POLL)
    assert note.startswith("the run stopped at the limit max_events = 500000 at 0.501992ms: it executed 500000 "
                           "statements and events without ending; main (pid 2) never blocked. A loop that polls "
                           "without blocking (no sleep, wait, read or pause) never gives up the CPU")
    assert "fork bomb" not in note and "prints" not in note


def test_a_poller_that_blocked_once_is_told_since_when(tmp_path: Path) -> None:
    note = note_of(tmp_path, scenario("sleep 1ms\n    loop {\n      x = 1\n    }"))
    assert "main (pid 2) has run without blocking since it woke at 1.002000ms" in note and "polls without blocking" in note


def test_a_fork_bomb_a_print_loop_and_a_signal_loop_are_told_apart(tmp_path: Path) -> None:
    bomb = note_of(tmp_path, scenario("loop {\n      fork\n    }"))
    assert "limit max_processes = 10000" in bomb and "a fork bomb" in bomb and "polls" not in bomb
    printing = note_of(tmp_path, scenario('loop {\n      print "hello"\n    }'))
    assert "limit max_events" in printing and "main (pid 2) printed in a loop that does not end" in printing
    assert "polls" not in printing
    sigfpe = note_of(tmp_path, scenario("on SIGFPE {\n      x = 1\n    }\n    x = 1 / 0"))
    assert "main (pid 2) got SIGFPE over and over" in sigfpe
    retry = note_of(tmp_path, scenario("loop {\n      wait\n    }"))
    assert "retried `wait` in a loop" in retry and "(ECHILD)" in retry


def test_a_long_busy_machine_is_not_called_a_poller(tmp_path: Path) -> None:
    text = scenario("repeat 2000 {\n      fork w {\n        compute 1ms\n      }\n    }\n    repeat 2000 {\n"
                    "      wait\n    }", "max_events 5000\n    max_processes 3000")
    note = note_of(tmp_path, text)
    assert "the machine was still busy after" in note and "polls" not in note


def test_a_graded_busy_wait_tells_the_student_and_cannot_raise_the_limit() -> None:
    tests = read_tests(str(ASSIGNMENT / "tests"))
    bundle = make_bundle(tests, str(ASSIGNMENT / "submissions" / "spin.proc"))
    prepared = tasks.prepare(bundle)
    assert prepared.gradable
    stopped = [tasks.run(bundle, job, None) for job in prepared.jobs if job.index is not None]
    assert stopped and all(s.status == "stopped" for s in stopped)
    for s in stopped:
        assert "limit max_events = 500000" in s.note and "polls without blocking" in s.note
        assert all(e.message == s.note for e in s.expectations if not e.passed)


def test_a_submission_cannot_set_the_machine(tmp_path: Path) -> None:
    sub = tmp_path / "raise.proc"
    sub.write_text((ASSIGNMENT / "submissions" / "spin.proc").read_text() + '\nscenario "more room" {\n'
                   "  machine {\n    max_events 1000000000\n    max_output 256MiB\n  }\n  run supervisor\n}\n")
    prepared = tasks.prepare(make_bundle(read_tests(str(ASSIGNMENT / "tests")), str(sub)))
    assert not prepared.gradable
    assert any("a submission may define programs only" in d for d in prepared.diagnostics)
