"""Sessions, process groups and the terminal: the rules scenarios 72-80 do not pin down one by one."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import check_text, cli_main, events, failures, output, run_text, write_proc


def one(body: str, run: str = "run main", extra: str = "") -> str:
    return f'scenario "t" {{\n  program main {{\n{body}\n  }}\n  {run}\n{extra}\n}}\n'


def test_a_pipeline_is_one_job_in_the_first_stage_group(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one('    print "{pgid} {sid}"', run="run main | cat",
                                   extra='  program cat { for line in stdin { print "cat {pgid}: {line}" } }'))
    assert output(trace) == "cat 2: 2 0\n"
    assert [e.detail for e in events(trace, "setpgid")] == [(3, 2)]


def test_the_first_job_gets_the_terminal_and_a_later_one_runs_in_the_background(tmp_path: Path) -> None:
    text = one('    sleep 2ms', run="run main\n  run other at 1ms",
               extra='  program other { g = tcgetpgrp 0; print "{pid}: fg {g}, mine {pgid}" }')
    assert output(run_text(tmp_path, text)) == "3: fg 2, mine 3\n"


def test_the_login_shell_takes_the_terminal_back_when_the_job_ends(tmp_path: Path) -> None:
    text = one('    fork c { sleep 2ms; g = tcgetpgrp 0; print "fg {g}" }\n    sleep 1ms')
    assert output(run_text(tmp_path, text)) == "fg 0\n"


def test_a_session_leader_opening_a_free_terminal_makes_it_its_own(tmp_path: Path) -> None:
    body = ('    fork c {\n      setsid\n      sleep 2ms\n      fd = open "/dev/tty1" O_RDWR\n'
            '      g = tcgetpgrp fd\n      print "c: fg {g} sid {sid}"\n    }\n    sleep 1ms')
    (result,) = check_text(tmp_path, one(body, run="run main login") +
                           'scenario "u" {\n  program main { setsid; fd = open "/dev/tty1" O_RDWR O_NOCTTY\n'
                           '    g = tcgetpgrp fd; print "{g} {errno}" }\n  init main\n}\n')[:1]
    trace = run_text(tmp_path, one(body, run="run main login"))
    assert output(trace) == "c: fg 3 sid 3\n"
    assert result.passed, failures(result)


def test_dev_tty_is_the_controlling_terminal_or_enxio(tmp_path: Path) -> None:
    body = ('    fd = open "/dev/tty" O_RDWR\n    print "job: {fd}"\n'
            '    fork c { setsid; fd = open "/dev/tty" O_RDWR; print "after setsid: {fd} {errno}" }\n    wait c')
    assert output(run_text(tmp_path, one(body))) == "job: 3\nafter setsid: -1 ENXIO\n"


def test_o_noctty_keeps_a_session_leader_without_a_terminal(tmp_path: Path) -> None:
    body = ('    fork c {\n      setsid\n      sleep 2ms\n      fd = open "/dev/tty1" O_RDWR O_NOCTTY\n'
            '      g = tcgetpgrp fd\n      print "{g} {errno}"\n    }\n    sleep 1ms')
    assert output(run_text(tmp_path, one(body, run="run main login"))) == "-1 ENOTTY\n"


def test_tcgetpgrp_on_a_pipe_is_enotty_and_on_a_closed_fd_ebadf(tmp_path: Path) -> None:
    body = '    p = pipe\n    a = tcgetpgrp p.read\n    print "{a} {errno}"\n    b = tcgetpgrp 9\n    print "{b} {errno}"'
    assert output(run_text(tmp_path, one(body))) == "-1 ENOTTY\n-1 EBADF\n"


def test_getpgid_and_getsid_of_no_such_process_are_esrch(tmp_path: Path) -> None:
    body = '    g = getpgid 4242\n    print "{g} {errno}"\n    s = getsid 4242\n    print "{s} {errno}"\n' \
           '    r = getpgrp\n    print "{r}"'
    assert output(run_text(tmp_path, one(body))) == "-1 ESRCH\n-1 ESRCH\n2\n"


def test_a_read_with_nothing_typed_sleeps_until_a_line_is_complete(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one('    n = read stdin 100 into s\n    print "{n} [{s}]"',
                                   extra='  at 1ms type "he"\n  at 2ms type "y\\n"'))
    [out] = events(trace, "output")
    assert out.time >= 2_000_000 and out.detail[1] == "4 [hey\n]\n"


def test_without_a_keyboard_the_terminal_reads_end_of_file(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one('    n = read stdin 10\n    print "{n}"', run="run main\n  run main"))
    assert output(trace) == "0\n0\n"          # no SIGTTIN either: as `prog < /dev/null`


def test_typing_after_a_hangup_is_neither_echoed_nor_read(tmp_path: Path) -> None:
    text = one('    ignore SIGHUP\n    n = read stdin 10\n    exit n + 1', run="run main login",
               extra='  at 1ms hangup\n  at 2ms type "late\\n"\n  expect screen == ""\n  expect exit_code(main) == 1')
    (result,) = check_text(tmp_path, text)
    assert result.passed, failures(result)


def test_ctrl_c_with_no_foreground_group_in_the_machine_signals_nobody(tmp_path: Path) -> None:
    text = one('    fork c { setpgid 0 0; sleep 3ms }\n    setpgid c c\n    sleep 1ms', extra='  at 2ms press ctrl-c\n'
               '  expect "the job was over: the login shell had the terminal" exit_code(c) == 0\n'
               '  expect screen == "^C"')
    (result,) = check_text(tmp_path, text)
    assert result.passed, failures(result)


def test_wait_minus_one_is_any_child(tmp_path: Path) -> None:
    assert output(run_text(tmp_path, one('    fork c { }\n    s = wait -1\n    print "{s.pid}"'))) == "3\n"


def test_ps_and_the_explanations_show_groups_and_the_terminal(tmp_path: Path) -> None:
    path = write_proc(tmp_path, one("    fork c { setpgid 0 0; sleep 2ms }\n    setpgid c c\n    sleep 3ms",
                                    extra="  expect pgid(c) == 2"))
    code, out, _ = cli_main(["ps", str(path), "--at", "1ms"])
    assert code == 0
    rows = [line.split()[:6] for line in out.splitlines()[2:]]
    assert rows == [["1", "0", "1", "1", "?", "Ss"], ["2", "1", "2", "0", "tty1", "S+"], ["3", "2", "3", "0", "tty1", "S"]]
    code, out, _ = cli_main(["check", str(path)])
    assert code == 1 and "pgid(c) == 2" in out and "is 3" in out


@pytest.mark.parametrize(("text", "message"), [
    ('  at 1ms press ctrl-x', "unknown key 'ctrl-x'"),
    ('  at 1 type "x"', "a duration needs a unit"),
    ('  machine { tostop 2 }', "tostop is 0 or 1"),
])
def test_bad_terminal_lines_get_a_diagnostic(tmp_path: Path, text: str, message: str) -> None:
    code, out, err = cli_main(["check", str(write_proc(tmp_path, one("    pause", extra=text)))])
    assert code == 2 and message in err and "Traceback" not in err


def test_getpgrp_takes_no_argument_and_login_runs_one_process(tmp_path: Path) -> None:
    code, _, err = cli_main(["check", str(write_proc(tmp_path, one("    g = getpgrp 3")))])
    assert code == 2 and "3:17: error: unexpected a number '3'" in err
    code, _, err = cli_main(["check", str(write_proc(tmp_path, one("    pause", run="run main | main login")))])
    assert code == 2 and "`login` starts one process" in err


def test_a_keypress_and_the_signals_it_causes_are_drawn_from_outside(tmp_path: Path) -> None:
    from procdsl.trace.story import Story
    text = one("    fork c { pause }\n    pause", extra="  at 1ms press ctrl-c")
    story = Story.of(run_text(tmp_path, text))
    arrows = [(story.name(a.src), story.name(a.dst), a.label) for a in story.arrows if a.kind == "signal"]
    assert arrows[:2] == [("outside", "main", "SIGINT (ctrl-c): pending -> terminate"),
                          ("outside", "c", "SIGINT (ctrl-c): pending -> terminate")]
    assert (1_000_000, None, "press", "ctrl-c pressed at the terminal") in story.points
