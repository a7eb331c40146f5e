"""Regressions found in review: each source states the Linux-correct outcome as expectations."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import assert_passes, check_text, run_text

CASES = {
    'pid1_blocked_signals': 'scenario "a blocked signal to PID 1 waits for its handler" {\n  init app\n  program app {\n    block SIGUSR1\n    sleep 5ms\n    on SIGUSR1 { print "handled" }\n    unblock SIGUSR1\n    sleep 5ms\n  }\n  at 1ms send SIGUSR1 to app\n  expect output == "handled\\n"\n}\nscenario "a blocked signal to PID 1 with no handler is dropped at delivery" {\n  init app\n  program app {\n    block SIGTERM\n    sleep 5ms\n    unblock SIGTERM\n    sleep 5ms\n    print "still here"\n  }\n  at 1ms send SIGTERM to app\n  expect output == "still here\\n"\n}\nscenario "SIGSTOP from outside still stops PID 1" {\n  init app\n  program app { loop { compute 1ms } }\n  at 2ms send SIGSTOP to app\n  until 10ms\n  expect state(app) == stopped at 5ms\n}\n',
    'stopped_reader': 'scenario "a stopped reader stays stopped when data arrives" {\n  program main {\n    p = pipe\n    fork reader {\n      close p.write\n      for line in p { print "got {line}" }\n    }\n    close p.read\n    sleep 1ms\n    send SIGSTOP to reader\n    sleep 1ms\n    write p "hello\\n"\n    sleep 5ms\n    close p.write\n    wait reader\n  }\n  run main\n  until 20ms\n  expect state(reader) == stopped\n  expect output == ""\n}\n',
    'store': 'scenario "a handler between load and store" {\n  machine { step 1ms }\n  program main {\n    shared a = 0\n    shared b = 0\n    on SIGUSR1 { b += 100 }\n    a += 1\n    print "a={a} b={b}"\n  }\n  run main\n  at 3500us send SIGUSR1 to main\n  expect output == "a=1 b=100\\n"\n}\n',
    'write_rest': 'scenario "a handler\'s write while a big write is blocked" {\n  program main {\n    p = pipe\n    fork reader {\n      close p.write\n      sleep 5ms\n      n = 0\n      for line in p { n += 1 }\n      print "lines {n}"\n    }\n    close p.read\n    on SIGUSR1 { write p "X\\n" }\n    big = ""\n    repeat 7000 { big = big + "0123456789\\n" }\n    write p big\n    close p.write\n    wait reader\n  }\n  run main\n  at 2ms send SIGUSR1 to main\n  expect output == "lines 5958\\n"\n}\n',
    'ign_wait': 'scenario "waitpid on an auto-reaped child fails with ECHILD" {\n  program main {\n    ignore SIGCHLD\n    fork quick { compute 1ms }\n    fork slow { sleep 50ms }\n    s = wait quick\n    print "wait quick -> {s.pid} {errno} at {pid}"\n  }\n  run main\n  until 20ms\n  expect output == "wait quick -> -1 ECHILD at 2\\n"\n}\n',
    'stale2': 'scenario "utilization with a stale timer" {\n  program main {\n    on SIGUSR1 { compute 1ms }\n    sleep 10s\n    pause\n  }\n  run main\n  at 1ms send SIGUSR1 to main\n  expect utilization(cpu 0) == 0.5 +- 0.1\n  expect state(main) == sleeping at 5ms\n}\n',
    'paid': 'scenario "a syscall\'s cost interrupted by a handler is paid once" {\n  machine { syscall 1ms; step 0ns; context_switch 0ns }\n  program main {\n    on SIGUSR1 { compute 1ms }\n    print "hi"\n  }\n  run main\n  at 1500us send SIGUSR1 to main\n  expect time(exit(main)) == 3ms\n}\n',
    'stopcont': 'scenario "SIGCHLD on stop and on continue" {\n  program main {\n    n = 0\n    on SIGCHLD { n += 1 }\n    fork kid { loop { compute 1ms } }\n    sleep 1ms\n    send SIGSTOP to kid\n    sleep 1ms\n    send SIGCONT to kid\n    sleep 1ms\n    send SIGKILL to kid\n    wait kid\n    print "sigchld {n}"\n  }\n  run main\n  expect output == "sigchld 3\\n"\n}\nscenario "SIGTERM to a stopped process waits for SIGCONT" {\n  program main {\n    fork kid { loop { compute 1ms } }\n    sleep 1ms\n    send SIGSTOP to kid\n    sleep 1ms\n    send SIGTERM to kid\n    sleep 1ms\n    send SIGCONT to kid\n    s = wait kid\n    print "{s.signal}"\n  }\n  run main\n  expect state(kid) == stopped at 2500us\n  expect killed_by(kid) == SIGTERM\n  expect time(exit(kid)) >= 3ms\n}\n',
    'dup2big': 'scenario "d" {\n program main {\n p = pipe\n dup2 p.write 10000000000\n print "ok"\n }\n run main\n}\n',
    'alloc': 'scenario "big alloc" {\n  program main { alloc 30000000 pages; print "ok" }\n  run main\n}\n',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_review_case_holds(tmp_path: Path, name: str) -> None:
    assert_passes(tmp_path, CASES[name])


def test_a_quiet_run_ends_at_its_last_real_event(tmp_path: Path) -> None:
    # a cancelled 50 s sleep timer must not stretch the deadlock's time to 50 s
    trace = run_text(tmp_path, """scenario "s" {
  program main {
    on SIGUSR1 { print "usr1" }
    sleep 50s
    pause
  }
  run main
  at 1ms send SIGUSR1 to main
}
""")
    assert trace.end_reason == "deadlock"
    assert trace.end_time == 1_000_001


@pytest.mark.parametrize("statement, fault", [
    ('x = 10; repeat 13 { x = x * x }; print "{x}"', "integer overflow"),
    ('x = "a"; repeat 40 { x = x + x }', "a string longer than"),
])
def test_runaway_values_fault_instead_of_eating_memory(tmp_path: Path, statement: str, fault: str) -> None:
    [result] = check_text(tmp_path, f'scenario "v" {{\n  program main {{ {statement} }}\n  run main\n}}\n')
    assert result.end_reason == "fault" and fault in result.note


def test_a_failed_comparison_says_when_units_or_types_cannot_match(tmp_path: Path) -> None:
    [result] = check_text(tmp_path, """scenario "u" {
  program main { compute 5ms }
  run main
  expect cpu_time(main) == 5
  expect exit_code(main) == "0"
}
""")
    unit, text = (e.message for e in result.expectations)
    assert "a duration compared with a bare number" in unit
    assert "a string never equals a number" in text
