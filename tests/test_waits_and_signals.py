"""Waits and signals for job control, checked on small inline scenarios: EINTR and SA_RESTART,
handler frames and masks, sigsuspend, timers, wait options, SIGCHLD flags, core dumps, kill(-1),
mutex types, RT throttling, and the bad input each new statement can get."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from helpers import assert_passes, check_text, diagnostics_of, events, failures, output, pid_of, run_text

MS = 1_000_000
EXACT = "    context_switch 0us\n    step 0ns"


def one(program: str, machine: str = "", extra: str = "", name: str = "main") -> str:
    return (f'scenario "t" {{\n  machine {{\n{machine}\n  }}\n  program {name} {{\n{program}\n  }}\n'
            f"  run {name}\n{extra}\n}}\n")


def printed(tmp_path: Path, text: str) -> str:
    return output(run_text(tmp_path, text))


# ---------------------------------------------------------------- interrupted calls
def test_a_wait_the_child_ended_is_not_interrupted_by_its_sigchld(tmp_path: Path) -> None:
    # the exit wakes the wait, which reaps first; the SIGCHLD handler runs on the way back
    said = printed(tmp_path, one('on SIGCHLD flags none { print "chld" }\nfork kid { sleep 1ms; exit 4 }\n'
                                   's = wait\nprint "{s.pid} {s.code} {errno}"'))
    assert said == "chld\n3 4 0\n"


def test_the_main_wait_reaps_before_the_handler_looks(tmp_path: Path) -> None:
    said = printed(tmp_path, one('on SIGCHLD { h = wait nohang; print "handler {h.pid} {errno}" }\n'
                                   'fork kid { sleep 1ms }\ns = wait\nprint "main {s.pid}"'))
    assert said == "handler -1 ECHILD\nmain 3\n"


def test_a_handler_that_blocks_does_not_inherit_the_interrupted_calls_eintr(tmp_path: Path) -> None:
    said = printed(tmp_path, one(
        'on SIGUSR1 flags none { x = sleep 1ms; print "handler slept, left {x}"; h = wait; print "handler wait {h.pid}" }\n'
        'fork kid { sleep 5ms }\ns = wait\nprint "main {s.pid} {errno}"\ns = wait\nprint "main {s.pid}"',
        machine=EXACT, extra="  at 1ms send SIGUSR1 to main"))
    # the handler's own sleep and wait run to the end; the main wait then fails with EINTR
    assert said == "handler slept, left 0ns\nhandler wait 3\nmain -1 EINTR\nmain -1\n"


def test_sleep_reports_the_time_left_when_interrupted_not_after_the_handler(tmp_path: Path) -> None:
    said = printed(tmp_path, one('on SIGUSR1 { compute 2ms }\nleft = sleep 10ms\nprint "{left}"',
                                   machine=EXACT, extra="  at 3ms send SIGUSR1 to main"))
    assert said == "7ms\n"


def test_a_sleep_that_ends_normally_leaves_nothing(tmp_path: Path) -> None:
    said = printed(tmp_path, one('left = sleep 2ms\nprint "{left} {errno}"'))
    assert said == "0ns 0\n"


def test_a_blocked_write_to_a_full_pipe_fails_with_eintr(tmp_path: Path) -> None:
    # exp17: nothing of it went in yet, so write(2) gives -1 EINTR without SA_RESTART
    trace = run_text(tmp_path, one(
        'on SIGUSR1 flags none { print "handler" }\np = pipe\nfull = "x" * 65536\n'
        'fork reader { close p.write; sleep 10ms }\nclose p.read\nwrite p full\nn = write p "y"\n'
        'print "write: {n} {errno}"\nsend SIGKILL to reader\nwait', extra="  at 3ms send SIGUSR1 to main"))
    assert output(trace) == "handler\nwrite: -1 EINTR\n"
    assert [e.detail for e in events(trace, "fail")] == [("write", 4)]


@pytest.mark.parametrize("flags", ["flags none", "flags SA_RESTART", ""])
def test_a_write_cut_short_returns_what_went_in_whatever_the_flags(tmp_path: Path, flags: str) -> None:
    # exp17: 70,000 bytes to a pipe nobody reads, a handler once 65,536 are in: 65536, errno 0
    trace = run_text(tmp_path, one(
        f'on SIGUSR1 {flags} {{ print "handler" }}\np = pipe\nbig = "x" * 70000\n'
        'fork reader { close p.write; sleep 10ms }\nclose p.read\nn = write p big\nprint "write: {n} {errno}"\n'
        'send SIGKILL to reader\nwait', extra="  at 3ms send SIGUSR1 to main"))
    assert output(trace) == "handler\nwrite: 65536 0\n"
    assert not events(trace, "fail")


@pytest.mark.parametrize("flags, said", [("", "handler\n5 0\n"), ("flags SA_RESTART", "handler\n5 0\n"),
                                          ("flags none", "handler\n-1 EINTR\n")])
def test_a_read_statement_is_restarted_or_fails_as_the_flags_say(tmp_path: Path, flags: str, said: str) -> None:
    assert printed(tmp_path, one(
        f'on SIGUSR1 {flags} {{ print "handler" }}\np = pipe\nfork writer {{ close p.read; sleep 5ms; '
        'write p "hello" }\nclose p.write\nn = read p.read 10\nprint "{n} {errno}"\nwait',
        extra="  at 2ms send SIGUSR1 to main")) == said


def test_sa_restart_write_resumes_and_finishes(tmp_path: Path) -> None:
    # nothing went in before the handler: SA_RESTART makes the write wait again, to the end
    said = printed(tmp_path, one(
        'on SIGUSR1 { print "handler" }\np = pipe\nfull = "x" * 65536\n'
        'fork reader { close p.write; sleep 10ms; n = 0; for line in p { n += 1 } }\nclose p.read\n'
        'write p full\nn = write p "more"\nprint "write {n} {errno}"\nclose p.write\nwait',
        extra="  at 3ms send SIGUSR1 to main"))
    assert said == "handler\nwrite 4 0\n"


def test_pause_and_sigsuspend_fail_with_eintr_whatever_the_flags(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one('on SIGUSR1 flags SA_RESTART { n = 1 }\npause\nprint "{errno}"\n'
                                   'errno_was = errno\nsigsuspend none\nprint "{errno}"',
                                   extra="  at 1ms send SIGUSR1 to main\n  at 2ms send SIGUSR1 to main"))
    assert output(trace) == "EINTR\nEINTR\n"
    assert [e.detail for e in events(trace, "fail")] == [("pause", 4), ("sigsuspend", 4)]


# ---------------------------------------------------------------- frames and masks
def test_a_pending_fatal_signal_stops_the_frames_being_set_up(tmp_path: Path) -> None:
    # SIGUSR1 (10) gets a frame, then the default SIGTERM (15) kills: the handler never runs
    trace = run_text(tmp_path, one('on SIGUSR1 { print "handler" }\nblock SIGUSR1, SIGTERM\n'
                                   'send SIGTERM to pid\nsend SIGUSR1 to pid\nsetmask none\nprint "after"'))
    assert output(trace) == ""
    assert events(trace, "exit")[0].detail == (0, 15, False)


def test_the_handler_mask_and_the_signal_itself_are_blocked_while_it_runs(tmp_path: Path) -> None:
    said = printed(tmp_path, one(
        'on SIGUSR1 mask SIGUSR2 { send SIGUSR2 to pid; print "in USR1" }\non SIGUSR2 { print "USR2" }\n'
        'send SIGUSR1 to pid\nprint "done"'))
    assert said == "in USR1\nUSR2\ndone\n"


def test_signal_sets_block_unblock_and_setmask(tmp_path: Path) -> None:
    said = printed(tmp_path, one(
        'on SIGINT { print "INT" }\non SIGTERM { print "TERM" }\non SIGHUP { print "HUP" }\n'
        'block SIGINT, SIGTERM, SIGHUP\nsend SIGINT to pid\nsend SIGTERM to pid\nsend SIGHUP to pid\n'
        'unblock SIGINT\nprint "-"\nsetmask SIGTERM\nprint "-"\nsetmask none\nprint "end"'))
    assert said == "INT\n-\nHUP\n-\nTERM\nend\n"


def test_sigsuspend_runs_the_handler_with_its_own_mask_then_restores_the_old_one(tmp_path: Path) -> None:
    said = printed(tmp_path, one(
        'on SIGUSR1 { send SIGUSR2 to pid; print "USR1" }\non SIGUSR2 { print "USR2" }\n'
        'block SIGUSR1, SIGUSR2\nfork kid { send SIGUSR1 to ppid }\nsigsuspend SIGUSR2\nprint "back"\n'
        'unblock SIGUSR2\nwait'))
    # during sigsuspend only SIGUSR2 is blocked, so USR2 waits until the unblock after it
    assert said == "USR1\nback\nUSR2\n"


def test_exec_clears_sigaction_flags(tmp_path: Path) -> None:
    src = ('scenario "t" {\n  program main {\n    default SIGCHLD flags SA_NOCLDWAIT\n    exec next\n  }\n'
           '  program next {\n    fork kid { exit 0 }\n    sleep 1ms\n  }\n  run main\n'
           '  expect state(kid) == zombie at 500us\n}\n')
    assert_passes(tmp_path, src)


def test_default_sigchld_with_sa_nocldwait_leaves_no_zombie(tmp_path: Path) -> None:
    assert_passes(tmp_path, 'scenario "t" {\n  program main {\n    default SIGCHLD flags SA_NOCLDWAIT\n'
                            '    fork kid { exit 0 }\n    sleep 1ms\n  }\n  run main\n'
                            '  expect never zombies > 0\n  expect reaper(kid) == main\n}\n')


# ---------------------------------------------------------------- wait options
def test_a_stop_not_waited_for_is_lost_when_the_child_continues(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one(
        'fork kid { loop { compute 1ms } }\nsleep 1ms\nsend SIGSTOP to kid\nsleep 1ms\nsend SIGCONT to kid\n'
        's = wait kid untraced continued nohang\nprint "{s}"\ns = wait kid untraced nohang\nprint "{s}"\n'
        'send SIGKILL to kid\nwait'))
    assert output(trace) == "pid 3 continued\npid 0\n"


def test_sigcont_then_a_fatal_signal_reports_the_death(tmp_path: Path) -> None:
    # exp9: SIGCONT then SIGTERM, waitpid(WCONTINUED) gives the termination (0x000f)
    said = printed(tmp_path, one(
        'fork kid { loop { compute 1ms } }\nsleep 1ms\nsend SIGSTOP to kid\nsleep 1ms\nsend SIGCONT to kid\n'
        'send SIGTERM to kid\ns = wait kid continued\nprint "{s}"'))
    assert said == "pid 3 killed by SIGTERM\n"


def test_wait_untraced_is_woken_by_the_stop(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one('fork kid { loop { compute 1ms } }\ns = wait untraced\nprint "{s}"\n'
                                   'send SIGKILL to kid\nwait',
                                   extra="  at 3ms send SIGTSTP to kid"))
    assert output(trace) == "pid 3 stopped by SIGTSTP\n"
    (rep,) = events(trace, "waited")
    assert rep.detail == (3, "stopped", 20) and 3 * MS <= rep.time <= 3 * MS + 20_000


def test_a_plain_wait_is_not_woken_by_a_stop(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one('fork kid { loop { compute 1ms } }\ns = wait\nprint "{s}"',
                                   extra="  at 3ms send SIGSTOP to kid\n  until 10ms"))
    assert output(trace) == ""
    assert not [e for e in events(trace, "wake") if e.pid == pid_of(trace, "main")]


STOPPED_JOB = ('fork kid { loop { compute 1ms } }\nsleep 1ms\nsend SIGTSTP to kid\nsleep 2ms\n'
               'send SIGCONT to kid\nsleep 1ms\nsend SIGSTOP to kid\nsleep 1ms\nsend SIGKILL to kid\nwait')


def test_expectations_on_stops_and_continues(tmp_path: Path) -> None:
    assert_passes(tmp_path, one(STOPPED_JOB, extra=(
        "  expect stopped_by(kid) == SIGTSTP at 2ms\n  expect stopped_by(kid) == SIGSTOP at 4500us\n"
        "  expect state(kid) == stopped at 2ms\n  expect time(stop(kid)) == 1ms ± 20us\n"
        "  expect time(cont(kid)) == 3ms ± 20us\n  expect stop(kid) before cont(kid)\n"
        "  expect cont(kid) before exit(kid)")))


@pytest.mark.parametrize("assertion, why", [
    ("stopped_by(kid) == SIGTSTP at 3500us", "was not stopped at 3.5"),
    ("stopped_by(kid) == SIGSTOP at 2ms", "stopped_by(kid) == SIGSTOP"),
    ("time(cont(kid)) == 1ms", "time(cont(kid)) == 1ms"),
])
def test_expectations_on_stops_fail_when_wrong(tmp_path: Path, assertion: str, why: str) -> None:
    [r] = check_text(tmp_path, one(STOPPED_JOB, extra=f"  expect {assertion}"))
    assert not r.passed and why in failures(r), failures(r)


def test_cont_of_a_process_never_continued_never_happened(tmp_path: Path) -> None:
    [r] = check_text(tmp_path, one('fork kid { exit 0 }\nwait', extra="  expect time(cont(kid)) > 0ns"))
    assert not r.passed and "cont(kid) never happened" in failures(r), failures(r)


# ---------------------------------------------------------------- core dumps
@pytest.mark.parametrize("limit, core", [("0", False), ("4095B", False), ("4KiB", True), ("8 pages", True),
                                         ("unlimited", True)])
def test_core_dumps_need_a_page_of_core_limit(tmp_path: Path, limit: str, core: bool) -> None:
    trace = run_text(tmp_path, one('fork kid { touch 1 page }\ns = wait\nprint "{s.coredump}"',
                                   machine=f"    core_limit {limit}"))
    assert output(trace) == f"{str(core).lower()}\n"
    kid_exit = [e for e in events(trace, "exit") if e.detail[1]][0]
    assert kid_exit.detail == (0, 11, core)
    handle = [e for e in events(trace, "handle")][0]
    assert (handle.detail[1] == "core dump") == core


def test_a_term_signal_never_dumps_core(tmp_path: Path) -> None:
    [r] = check_text(tmp_path, 'scenario "t" {\n  machine { core_limit unlimited }\n  program main { sleep 5ms }\n'
                               '  run main\n  at 1ms send SIGTERM to main\n  expect not core_dumped(main)\n}\n')
    assert r.passed, failures(r)


# ---------------------------------------------------------------- timers
def test_alarm_is_not_inherited_by_fork_but_survives_exec(tmp_path: Path) -> None:
    src = ('scenario "t" {\n  program main {\n    alarm 5ms\n    fork kid { sleep 10ms }\n    exec next\n  }\n'
           '  program next { sleep 10ms }\n  run main\n'
           '  expect killed_by(main) == SIGALRM\n  expect time(exit(main)) == 5ms ± 20us\n'
           '  expect exit_code(kid) == 0\n}\n')
    assert_passes(tmp_path, src)


def test_a_periodic_timer_does_not_drift_and_dies_with_its_process(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one('on SIGALRM { compute 300us }\nsetitimer ITIMER_REAL 1ms interval 1ms\n'
                                   'compute 4500us', machine=EXACT))
    alarms = [e.time for e in events(trace, "signal") if e.detail[1] == 14]
    assert alarms == [1 * MS, 2 * MS, 3 * MS, 4 * MS, 5 * MS, 6 * MS]
    assert trace.end_time == events(trace, "exit")[0].time, "no timer outlives the process"


def test_itimer_prof_sends_sigprof_and_zero_disarms(tmp_path: Path) -> None:
    said = printed(tmp_path, one('on SIGPROF { print "prof" }\nsetitimer ITIMER_PROF 2ms\ncompute 3ms\n'
                                   'old = setitimer ITIMER_PROF 0s\nprint "{old}"\nsetitimer ITIMER_VIRTUAL 1ms\n'
                                   'setitimer ITIMER_VIRTUAL 0s interval 1ms\ncompute 3ms\nprint "end"',
                                   machine=EXACT))
    assert said == "prof\n0ns\nend\n"


def test_an_unhandled_sigvtalrm_kills(tmp_path: Path) -> None:
    [r] = check_text(tmp_path, 'scenario "t" {\n  program main {\n    setitimer ITIMER_VIRTUAL 2ms\n'
                               '    sleep 10ms\n    compute 5ms\n  }\n  run main\n'
                               '  expect killed_by(main) == SIGVTALRM\n  expect time(exit(main)) == 12ms ± 20us\n}\n')
    assert r.passed, failures(r)


# ---------------------------------------------------------------- kill(-1)
def test_kill_minus_one_goes_in_creation_order_not_pid_order(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one(
        'fork a { exit 0 }\nfork b { sleep 10ms }\nfork c { sleep 10ms }\nwait a\nfork d { sleep 10ms }\n'
        'sleep 1ms\nsend SIGTERM to -1', machine="    pid_max 6"))
    assert [pid_of(trace, n) for n in ("b", "c", "d")] == [4, 5, 3]
    sent = [e.detail[0] for e in events(trace, "signal") if e.detail[1] == 15 and e.pid == 2]
    assert sent == [4, 5, 3]


def test_kill_minus_one_skips_whom_it_may_not_signal_without_a_trace_event(tmp_path: Path) -> None:
    # as kill_something_info: no EPERM for a skipped target, in the result or anywhere else
    src = ('scenario "t" {\n  program sleeper { sleep 5ms }\n'
           '  program killer { sleep 1ms; send SIGTERM to -1; print "errno {errno}" }\n'
           '  run sleeper\n  run sleeper uid 1000\n  run killer uid 1000\n}\n')
    trace = run_text(tmp_path, src)
    killer = pid_of(trace, "killer")
    sent = [e.detail for e in events(trace, "signal", pid=killer)]
    assert sent == [(pid_of(trace, "sleeper[1]"), 15, "pending", "process")]
    assert output(trace) == "errno 0\n"
    assert not events(trace, "fail")


def test_a_kill_minus_one_loop_counts_as_work_and_ends_at_max_events(tmp_path: Path) -> None:
    src = ('scenario "t" {\n  machine { max_events 200000 }\n  program sleeper { sleep 10s }\n'
           '  program main {\n    loop { send 0 to -1 }\n  }\n' + "".join("  run sleeper\n" for _ in range(300))
           + '  run main\n}\n')
    start = time.process_time()
    trace = run_text(tmp_path, src)
    assert trace.end_reason == "limit max_events"
    assert time.process_time() - start < 10
    # each call is 300 units of work: about 660 calls of 2 ns (send + loop), not 100,000
    main = pid_of(trace, "main")
    (dispatch,) = [e for e in events(trace, "switch") if e.pid == main]
    assert trace.end_time - (dispatch.time + dispatch.detail[2]) < 2_000


# ---------------------------------------------------------------- mutexes
def test_a_normal_mutex_unlocked_while_free_is_fine_and_errorcheck_says_eperm(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one('m = mutex\nunlock m\nprint "{errno}"\ne = mutex errorcheck\nunlock e\n'
                                   'print "{errno}"\nr = mutex recursive\nlock r\nlock r\nlock r\nunlock r\nunlock r\n'
                                   'unlock r\nprint "{errno}"\nunlock r\nprint "{errno}"\nn = mutex normal\nlock n\n'
                                   'unlock n\nprint "ok"'))
    assert output(trace) == "0\nEPERM\nEPERM\nEPERM\nok\n"


def test_a_normal_mutex_relocked_by_its_owner_is_a_deadlock_that_says_so(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one("m = mutex\nlock m\nlock m"))
    assert trace.end_reason == "deadlock"
    assert "itself" in events(trace, "deadlock")[0].detail[0][0]


def test_a_sigsuspend_nothing_can_end_is_a_deadlock_that_says_so(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one("on SIGUSR1 { n = 1 }\nsigsuspend SIGUSR1"))
    assert trace.end_reason == "deadlock"
    assert events(trace, "deadlock")[0].detail[0] == ("main(2) waits in sigsuspend for a signal that never comes",)


# ---------------------------------------------------------------- RT throttling
def test_each_cpu_has_its_own_real_time_budget_in_periods_shared_by_all(tmp_path: Path) -> None:
    # a uses 950 ms of cpu0's first period and is throttled; b, on cpu1 from 200 ms, uses 800 ms
    # of that same period (it started 0 ms on the shared timer) and 700 ms of the next: never throttled
    src = ('scenario "t" {\n  machine {\n    cpus 2\n' + EXACT + '\n  }\n  program hog { compute 1500ms }\n'
           '  run hog as a rt fifo 10 on cpu 0\n  run hog as b rt fifo 10 on cpu 1 at 200ms\n'
           '  expect time(exit(a)) == 1550ms\n  expect time(exit(b)) == 1700ms\n}\n')
    assert_passes(tmp_path, src)


def test_the_period_setting_changes_the_share(tmp_path: Path) -> None:
    src = ('scenario "t" {\n  machine {\n' + EXACT + '\n    scheduler rr { rt_runtime 80ms; rt_period 100ms }\n  }\n'
           '  program spin { compute 2s }\n  run spin as fair\n  run spin as hog rt rr 5\n  until 1s\n'
           '  expect cpu_time(fair) == 200ms\n  expect involuntary_switches(hog) == 10\n}\n')
    assert_passes(tmp_path, src)


def test_a_throttled_task_leaves_the_cpu_as_throttled(tmp_path: Path) -> None:
    src = ('scenario "t" {\n  machine {\n' + EXACT + '\n  }\n  program hog { compute 1s }\n'
           '  program fair { compute 1s }\n  run fair\n  run hog rt fifo 1\n  until 1100ms\n}\n')
    trace = run_text(tmp_path, src)
    whys = [e.detail[1] for e in events(trace, "switch") if e.detail[0] == pid_of(trace, "hog")]
    assert whys[0] == "throttled"


# ---------------------------------------------------------------- regressions
def test_sigstop_then_sigcont_before_the_first_run_does_not_crash(tmp_path: Path) -> None:
    src = ('scenario "t" {\n  program hog { compute 10ms }\n  program late { print "hi" }\n  run hog\n'
           '  run late at 100us\n  at 1ms send SIGSTOP to late\n  at 2ms send SIGCONT to late\n'
           '  expect output == "hi\\n"\n}\n')
    assert_passes(tmp_path, src)


def test_a_fifo_task_does_not_run_past_until(tmp_path: Path) -> None:
    trace = run_text(tmp_path, 'scenario "t" {\n  machine { scheduler fifo }\n  program hog { compute 3s }\n'
                               '  run hog\n  until 1s\n}\n')
    assert trace.end_reason == "until" and trace.end_time == 1_000_000_000
    assert all(e.time <= trace.end_time for e in trace.events)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("program, message", [
    ("on SIGINT flags SA_RESTARTT { }", "unknown sigaction flag 'SA_RESTARTT' (did you mean 'SA_RESTART'?)"),
    ("on SIGINT mask SIGKILL { }", "SIGKILL cannot be blocked"),
    ("m = mutex recursve", "unknown mutex type 'recursve' (did you mean 'recursive'?)"),
    ("setitimer ITIMER_RAEL 5ms", "unknown interval timer 'ITIMER_RAEL' (did you mean 'ITIMER_REAL'?)"),
    ("block none", "`block none` changes nothing"),
    ("sigsuspend SIGSTOP", "SIGSTOP cannot be blocked"),
    ("alarm 5", "a duration needs a unit"),
    ("setitimer ITIMER_REAL 5ms interval 2", "a duration needs a unit"),
    ("block SIGINT, SIGFOO", "unknown signal 'SIGFOO'"),
])
def test_bad_statements_get_a_diagnostic(tmp_path: Path, program: str, message: str) -> None:
    diags = diagnostics_of(tmp_path, one(program))
    assert any(message in d for d in diags), diags


@pytest.mark.parametrize("machine, message", [
    ("core_limit lots", "machine setting 'core_limit' takes a size (4KiB, 8 pages), 0 or unlimited"),
    ("scheduler cfs { rt_runtime 2s }", "rt_runtime cannot be longer than rt_period"),
    ("scheduler cfs { rt_period 0ms }", "must be longer than 0"),
])
def test_bad_settings_get_a_diagnostic(tmp_path: Path, machine: str, message: str) -> None:
    diags = diagnostics_of(tmp_path, one("compute 1ms", machine=f"    {machine}"))
    assert any(message in d for d in diags), diags


def test_a_negative_alarm_is_a_program_fault(tmp_path: Path) -> None:
    [r] = check_text(tmp_path, one("d = 0ms - 5ms\nalarm d"))
    assert r.end_reason == "fault" and "negative" in r.note


def test_a_process_killed_by_its_own_alarm_is_told_which_timer(tmp_path: Path) -> None:
    [r] = check_text(tmp_path, one("alarm 5ms\nsleep 10ms", extra="  expect exit_code(main) == 0"))
    (e,) = r.expectations
    assert not e.passed and "its ITIMER_REAL, set at 0.002000ms for 5ms, ran out with no handler" in e.message
