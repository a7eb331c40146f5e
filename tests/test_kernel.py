"""The simulated kernel, checked on the trace of small inline scenarios against semantics.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import events, model_of, output, pid_of, run_text

from procdsl.check.model import Model
from procdsl.core.linux import SIGFPE, SIGKILL, SIGNALS, SIGPIPE

SIGTERM = SIGNALS["SIGTERM"][0]

MS = 1_000_000
US = 1_000


def one(program: str, machine: str = "", extra: str = "", name: str = "main") -> str:
    """A scenario around one program; `extra` adds scenario items (runs, sends, until)."""
    return (f'scenario "t" {{\n  machine {{\n{machine}\n  }}\n  program {name} {{\n{program}\n  }}\n'
            f"  run {name}\n{extra}\n}}\n")


def forks(trace) -> list[int]:
    return [e.detail[0] for e in events(trace, "fork")]


def exit_of(trace, pid: int):
    (ev,) = [e for e in events(trace, "exit") if e.pid == pid]
    return ev


# ---------------------------------------------------------------- PIDs (§1.2)
def test_pids_are_sequential_from_init(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one("repeat 3 {\n fork kid { compute 1ms }\n}\nrepeat 3 { wait }"))
    assert pid_of(trace, "init") == 1 and pid_of(trace, "main") == 2
    assert forks(trace) == [3, 4, 5]


def test_pid_allocation_wraps_to_300(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one("repeat 306 {\n fork kid { exit 0 }\n wait\n}", machine="pid_max 305"))
    pids = forks(trace)
    assert pids[:3] == [3, 4, 5]
    assert pids[299:306] == [302, 303, 304, 300, 301, 302, 303], "after pid_max - 1 the search restarts at 300"


def test_pid_max_exhaustion_fails_fork_with_eagain(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one(
        "loop {\n x = fork\n if x == 0 { exit 0 }\n if x < 0 {\n print \"{x} {errno}\"\n exit 1\n }\n sleep 1ms\n}",
        machine="pid_max 8"))
    assert forks(trace) == [3, 4, 5, 6, 7]          # zombies keep their PIDs: 1..7 are all taken
    assert output(trace) == "-1 EAGAIN\n"
    assert exit_of(trace, 2).detail == (1, 0, False)


# ---------------------------------------------------------------- pipes (§6)
WRITER = """
    shared n = 0
    p = pipe
    fork writer {{
      close p.read
      s = "x" * {size}
      repeat {count} {{
        write p s
        n += 1
      }}
    }}
    sleep 20ms
    print "{{n}}"
    exit 0
"""


@pytest.mark.parametrize("size, count, fits", [(4096, 20, 16), (100, 700, 640), (1, 66000, 65536),
                                               (65536, 2, 1)])
def test_pipe_capacity(tmp_path: Path, size: int, count: int, fits: int) -> None:
    """16 page-sized slots: 65,536 bytes, but only 64,000 with 100-byte writes ([V13])."""
    trace = run_text(tmp_path, one(WRITER.format(size=size, count=count), extra="  until 30ms"))
    assert output(trace) == f"{fits}\n"
    w = pid_of(trace, "writer")
    assert [e.detail[0] for e in events(trace, "block", w)] == ["S"]


def test_reader_sees_eof_only_when_every_write_end_is_closed(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one("""
    p = pipe
    fork holder {
      sleep 10ms
    }
    fork reader {
      close p.write
      for line in p {
        print "got {line}"
      }
      print "eof"
    }
    write p "one\\n"
    close p.write
    wait
    wait
    """))
    assert output(trace) == "got one\neof\n"
    holder, reader = pid_of(trace, "holder"), pid_of(trace, "reader")
    # the holder keeps a copy of the write end until it exits at 10ms ([V15])
    assert exit_of(trace, reader).time >= exit_of(trace, holder).time >= 10 * MS


def test_write_with_no_reader_raises_sigpipe(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one('p = pipe\nclose p.read\nwrite p "x"\nprint "survived"'))
    assert exit_of(trace, 2).detail == (0, SIGPIPE, False)
    assert output(trace) == ""


def test_write_with_no_reader_and_sigpipe_ignored_fails_with_epipe(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one('ignore SIGPIPE\np = pipe\nclose p.read\nwrite p "x"\nprint "{errno}"'))
    assert output(trace) == "EPIPE\n"
    assert exit_of(trace, 2).detail == (0, 0, False)


# ---------------------------------------------------------------- signals (§5)
def test_standard_signals_do_not_queue(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one("""
    n = 0
    on SIGUSR1 {
      n += 1
    }
    block SIGUSR1
    fork sender {
      repeat 5 {
        send SIGUSR1 to ppid
      }
    }
    wait
    unblock SIGUSR1
    print "{n}"
    """))
    assert output(trace) == "1\n"


def test_blocked_signal_stays_pending_until_unblocked(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one("""
    block SIGTERM
    sleep 5ms
    print "still here"
    unblock SIGTERM
    print "never"
    """, extra="  at 1ms send SIGTERM to main"))
    assert output(trace) == "still here\n"
    ev = exit_of(trace, 2)
    assert ev.detail == (0, SIGTERM, False) and ev.time >= 5 * MS


def test_handled_signal_restarts_wait_but_cuts_sleep_short(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one("""
    on SIGUSR1 {
      print "handler"
    }
    fork kid {
      compute 10ms
      exit 7
    }
    s = wait kid
    print "wait {s.code}"
    sleep 50ms
    print "woke"
    """, machine="cpus 2", extra="  at 2ms send SIGUSR1 to main\n  at 20ms send SIGUSR1 to main"))
    assert output(trace) == "handler\nwait 7\nhandler\nwoke\n"
    main = pid_of(trace, "main")
    assert 20 * MS <= exit_of(trace, main).time < 21 * MS, "sleep returns early after the handler"


def test_sigstop_and_sigcont(tmp_path: Path) -> None:
    m: Model = model_of(tmp_path, one("compute 4ms", extra="  at 1ms send SIGSTOP to main\n"
                                                          "  at 5ms send SIGCONT to main"))
    main = m.by_label["main"][0]
    assert main.state.at(3 * MS) == "stopped"
    assert main.exit_time is not None and main.exit_time >= 8 * MS
    assert m.cpu_time(main, m.end) == 4 * MS


def test_pid1_drops_signals_without_handler_from_inside(tmp_path: Path) -> None:
    trace = run_text(tmp_path, """
        scenario "t" {
          init app
          program app {
            fork killer {
              send SIGKILL to 1
              send SIGTERM to 1
              send SIGSTOP to 1
            }
            wait killer
            sleep 5ms
            print "init alive"
          }
        }
        """)
    assert output(trace) == "init alive\n"
    assert exit_of(trace, 1).detail == (0, 0, False)


def test_sigkill_from_outside_kills_pid1(tmp_path: Path) -> None:
    trace = run_text(tmp_path, """
        scenario "t" {
          init app
          program app {
            fork child {
              sleep 100ms
            }
            sleep 100ms
          }
          at 5ms send SIGTERM to app
          at 10ms send SIGKILL to app
        }
        """)
    ev = exit_of(trace, 1)
    assert ev.detail == (0, SIGKILL, False) and 10 * MS <= ev.time <= 10 * MS + 10 * US
    assert exit_of(trace, 2).detail == (0, SIGKILL, False), "every process dies with PID 1"
    assert trace.end_reason == "init exited"


def test_kill_permission_by_uid(tmp_path: Path) -> None:
    trace = run_text(tmp_path, """
        scenario "t" {
          program victim { sleep 10ms }
          program user {
            send SIGTERM to 2
            print "{errno}"
          }
          run victim
          run user uid 1000
        }
        """)
    assert output(trace) == "EPERM\n"
    assert exit_of(trace, 2).detail == (0, 0, False)


def test_division_by_zero_raises_sigfpe(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one("x = 0\ny = 5 / x\nprint \"never\""))
    assert exit_of(trace, 2).detail == (0, SIGFPE, False)
    assert output(trace) == ""


def test_sigfpe_handler_runs_on_division_by_zero(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one("on SIGFPE {\n print \"caught\"\n exit 3\n}\nx = 0\ny = 5 % x"))
    assert output(trace) == "caught\n"
    assert exit_of(trace, 2).detail == (3, 0, False)


# ---------------------------------------------------------------- exit, wait, zombies (§4)
def test_zombie_until_parent_waits(tmp_path: Path) -> None:
    m = model_of(tmp_path, one("fork kid { compute 1ms }\nsleep 5ms\nwait\nsleep 1ms"))
    kid = m.by_label["kid"][0]
    assert kid.state.at(3 * MS) == "zombie"
    assert m.zombies(3 * MS) == 1
    assert kid.reaper == 2 and kid.reap_time >= 5 * MS


def test_orphan_is_reparented_to_init_and_reaped(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one("fork kid { sleep 5ms }\nexit 0"))
    kid = pid_of(trace, "kid")
    reparents = events(trace, "reparent", kid)
    assert [e.detail[0] for e in reparents] == [1]
    assert any(e.pid == 1 and e.detail[0] == kid for e in events(trace, "reap"))


def test_exit_order_is_exit_reparent_then_sigchld(tmp_path: Path) -> None:
    trace = run_text(tmp_path, """
        scenario "t" {
          program grand {
            fork mid {
              fork leaf { sleep 5ms }
              exit 0
            }
            sleep 10ms
            wait
          }
          run grand
        }
        """)
    mid, leaf = pid_of(trace, "mid"), pid_of(trace, "leaf")
    kinds = [(e.kind, e.pid) for e in trace.events if e.kind in ("exit", "reparent", "signal") and
             (e.pid in (mid, leaf) or (e.kind == "signal" and e.detail[0] == 2))]
    i = kinds.index(("exit", mid))
    assert kinds[i + 1] == ("reparent", leaf)


def test_subreaper_adopts_orphaned_descendants(tmp_path: Path) -> None:
    trace = run_text(tmp_path, """
        scenario "t" {
          program boss {
            subreaper
            fork mid {
              fork leaf {
                sleep 5ms
                exit 4
              }
              exit 0
            }
            s = wait mid
            s = wait
            print "reaped {s.pid} code {s.code}"
          }
          run boss
        }
        """)
    leaf = pid_of(trace, "leaf")
    assert [e.detail[0] for e in events(trace, "reparent", leaf)] == [2]
    assert output(trace) == f"reaped {leaf} code 4\n"


def test_wait_without_children_is_echild(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one('s = wait\nprint "{s.pid} {errno}"\ns = wait nohang\nprint "{s.pid}"'))
    assert output(trace) == "-1 ECHILD\n-1\n"


def test_wait_nohang_returns_zero_while_children_run(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one('fork kid { sleep 1ms }\ns = wait nohang\nprint "{s.pid}"\nwait'))
    assert output(trace) == "0\n"


# ---------------------------------------------------------------- memory (§11)
def test_copy_on_write_counts_only_written_shared_pages(tmp_path: Path) -> None:
    m = model_of(tmp_path, one("""
    alloc 10 pages
    touch 10 pages
    fork kid {
      touch 4 pages
    }
    wait
    touch 10 pages
    """))
    kid, main = m.by_label["kid"][0], m.by_label["main"][0]
    assert sum(c for _, c in kid.cow) == 4
    # the kid has exited: the parent is again the only user of every page, so nothing is copied
    assert sum(c for _, c in main.cow) == 0


def test_copy_on_write_while_both_share(tmp_path: Path) -> None:
    m = model_of(tmp_path, one("""
    alloc 10 pages
    touch 10 pages
    fork kid {
      touch 4 pages
      sleep 10ms
    }
    sleep 5ms
    touch 10 pages
    wait
    """))
    kid, main = m.by_label["kid"][0], m.by_label["main"][0]
    assert sum(c for _, c in kid.cow) == 4
    assert sum(c for _, c in main.cow) == 6, "the 4 pages the kid copied are the parent's alone again"


# ---------------------------------------------------------------- shared memory (§7)
COUNTER = """
    shared counter = 0
    m = mutex
    repeat 2 {{
      fork worker {{
        repeat 1000 {{
          {lock}
          counter += 1
          {unlock}
        }}
      }}
    }}
    repeat 2 {{
      wait
    }}
    print "{{counter}}"
"""


def test_updates_are_lost_without_a_mutex_on_two_cpus(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one(COUNTER.format(lock="", unlock=""), machine="cpus 2"))
    value = int(output(trace))
    assert 2 <= value < 2000


def test_mutex_keeps_every_update(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one(COUNTER.format(lock="lock m", unlock="unlock m"), machine="cpus 2"))
    assert output(trace) == "2000\n"


def test_mutex_blocks_the_second_locker(tmp_path: Path) -> None:
    m = model_of(tmp_path, one("""
    m = mutex
    fork a {
      lock m
      compute 5ms
      unlock m
    }
    fork b {
      sleep 1ms
      lock m
      print "b got it"
      unlock m
    }
    wait
    wait
    """, machine="cpus 4"))
    b = m.by_label["b"][0]
    assert b.state.at(3 * MS) == "sleeping"
    (t, text), = b.output
    assert text == "b got it\n" and t >= 5 * MS


def test_two_mutex_deadlock_is_detected(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one("""
    m1 = mutex
    m2 = mutex
    fork a {
      lock m1
      sleep 1ms
      lock m2
    }
    fork b {
      lock m2
      sleep 1ms
      lock m1
    }
    wait
    """, machine="cpus 2"))
    assert trace.end_reason == "deadlock"
    (dead,) = events(trace, "deadlock")
    assert len(dead.detail[0]) == 3          # a, b and main, which waits for them


# ---------------------------------------------------------------- CPU time and scheduling (§9, §10)
def test_context_switch_cost_is_charged_to_nobody(tmp_path: Path) -> None:
    m = model_of(tmp_path, one("compute 1ms", machine="context_switch 50us"))
    main = m.by_label["main"][0]
    assert m.cpu_time(main, m.end) == 1 * MS
    assert main.exit_time == 1 * MS + 50 * US


def test_switches_are_counted_voluntary_and_involuntary(tmp_path: Path) -> None:
    m = model_of(tmp_path, """
        scenario "t" {
          machine { scheduler rr { quantum 2ms } }
          program hog { compute 10ms }
          program napper { repeat 5 { sleep 1ms } }
          run hog
          run napper
        }
        """)
    napper = m.by_label["napper"][0]
    voluntary = sum(1 for _, v in napper.switch_times if v)
    assert voluntary == 6           # five sleeps and the exit


def test_round_robin_quantum(tmp_path: Path) -> None:
    trace = run_text(tmp_path, """
        scenario "t" {
          machine {
            scheduler rr { quantum 4ms }
            context_switch 0us
          }
          program job { compute 10ms }
          run job as a
          run job as b
        }
        """)
    a, b = pid_of(trace, "a"), pid_of(trace, "b")
    turns = [(e.time, e.pid) for e in events(trace, "switch") if e.pid]
    assert turns == [(0, a), (4 * MS, b), (8 * MS, a), (12 * MS, b), (16 * MS, a), (18 * MS, b)]


def test_round_robin_job_ending_with_its_quantum_is_not_preempted(tmp_path: Path) -> None:
    trace = run_text(tmp_path, """
        scenario "t" {
          machine {
            scheduler rr { quantum 4ms }
            context_switch 0us
            step 0ns
          }
          program job { compute 4ms }
          run job as a
          run job as b
        }
        """)
    assert not [e for e in events(trace, "switch") if e.detail[1] == "preempted"]


@pytest.mark.parametrize("nice, share", [(1, 0.555), (5, 0.753), (10, 0.903)])
def test_cfs_shares_follow_nice_weights(tmp_path: Path, nice: int, share: float) -> None:
    m = model_of(tmp_path, f"""
        scenario "t" {{
          program hog {{ compute 1s }}
          run hog as fast
          run hog as slow nice {nice}
          until 300ms
        }}
        """)
    fast, slow = m.by_label["fast"][0], m.by_label["slow"][0]
    f, s = m.cpu_time(fast, m.end), m.cpu_time(slow, m.end)
    assert f / (f + s) == pytest.approx(share, abs=0.02)


def test_two_cpus_run_two_hogs_in_parallel(tmp_path: Path) -> None:
    m = model_of(tmp_path, """
        scenario "t" {
          machine { cpus 2 }
          program hog { compute 10ms }
          run hog as a
          run hog as b
        }
        """)
    assert m.end < 11 * MS
    assert m.utilization(0, m.end) > 0.9 and m.utilization(1, m.end) > 0.9


def test_same_seed_same_trace(tmp_path: Path) -> None:
    src = one(COUNTER.format(lock="", unlock=""), machine="cpus 2")
    assert run_text(tmp_path, src, seed=5).events == run_text(tmp_path, src, seed=5).events


def test_forks_fail_fast_while_every_pid_is_taken_and_succeed_once_one_is_freed(tmp_path) -> None:
    from helpers import check_text
    [result] = check_text(tmp_path, """scenario "pid_max 8: a full PID space, then one freed" {
  machine {
    pid_max 8
  }
  program main {
    fork quick { exit 3 }
    repeat 5 {
      fork child { sleep 10ms }
    }
    repeat 20 {
      x = fork
      if x == 0 {
        exit 0
      }
    }
    print "full: {x} {errno}"
    wait quick
    fork late { exit 0 }
    print "after a wait: {late}"
  }
  run main
  expect output == "full: -1 EAGAIN\\nafter a wait: 3\\n"
}""")
    assert result.passed, [e.message for e in result.expectations]
