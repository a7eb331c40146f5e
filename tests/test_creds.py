"""Credentials, the environment and exec that fails, checked against what Linux answered
(docs/evidence/creds_rules.txt, kill_perm.txt, file_perm.txt, exec_fail.txt)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from helpers import assert_passes, check_text, cli_main, diagnostics_of, events, failures, output, run_text, write_proc

from procdsl.kernel import creds
from procdsl.kernel.process import Proc


def one(body: str, files: str = "", run: str = "run main", extra: str = "", programs: str = "") -> str:
    block = f"  files {{\n{files}\n  }}\n" if files else ""
    return f'scenario "t" {{\n{block}{programs}\n  program main {{\n{body}\n  }}\n  {run}\n{extra}\n}}\n'


def printed(tmp_path: Path, body: str, **kw) -> str:
    trace = run_text(tmp_path, one(body, **kw))
    assert trace.end_reason == "done", trace.end_reason
    return output(trace)


def proc(r: int, e: int, s: int) -> Proc:
    p = Proc(2, 1)
    p.uid, p.euid, p.suid = r, e, s
    return p


# ---------------------------------------------------------------- the set*id rules, one by one
# (start ids, call, arguments, errno, ids after): each row a line of creds_rules.txt
RULES = [
    ((0, 0, 0), "setuid", (1000,), 0, (1000, 1000, 1000)),
    ((1000, 1000, 1000), "setuid", (0,), creds.EPERM, (1000, 1000, 1000)),
    ((1000, 1000, 1000), "seteuid", (0,), creds.EPERM, (1000, 1000, 1000)),
    ((1000, 1000, 1000), "setuid", (2000,), creds.EPERM, (1000, 1000, 1000)),
    ((0, 0, 0), "setresuid", (1000, 0, 0), 0, (1000, 0, 0)),
    ((1000, 0, 0), "seteuid", (1000,), 0, (1000, 1000, 0)),
    ((1000, 1000, 0), "seteuid", (0,), 0, (1000, 0, 0)),
    ((1000, 0, 0), "setuid", (1000,), 0, (1000, 1000, 1000)),
    ((1000, 1000, 2000), "setuid", (2000,), 0, (1000, 2000, 2000)),
    ((1000, 2000, 2000), "setuid", (1000,), 0, (1000, 1000, 2000)),
    ((1000, 1000, 2000), "setreuid", (2000, 1000), creds.EPERM, (1000, 1000, 2000)),
    ((1000, 1000, 2000), "setreuid", (-1, 2000), 0, (1000, 2000, 2000)),
    ((1000, 2000, 2000), "setreuid", (3000, -1), creds.EPERM, (1000, 2000, 2000)),
    ((1000, 2000, 2000), "setresuid", (-1, 3000, -1), creds.EPERM, (1000, 2000, 2000)),
    ((1000, 1000, 1000), "setreuid", (-1, 1000), 0, (1000, 1000, 1000)),    # e == old real: saved kept
    ((0, 0, 0), "setreuid", (1000, 2000), 0, (1000, 2000, 2000)),
    ((0, 0, 0), "setuid", (-1,), creds.EINVAL, (0, 0, 0)),
    ((0, 0, 0), "setuid", (2**32,), creds.EINVAL, (0, 0, 0)),
]


@pytest.mark.parametrize(("start", "call", "args", "err", "after"), RULES)
def test_each_set_id_rule_as_linux(start, call, args, err, after) -> None:
    p = proc(*start)
    assert creds.set_ids(p, call, args) == err
    assert (p.uid, p.euid, p.suid) == after


def test_the_gid_calls_follow_the_same_rules_and_need_an_effective_uid_of_0() -> None:
    p = proc(0, 0, 0)
    assert creds.set_groups(p, (100, 27, 27)) == 0 and p.groups == (27, 100)
    assert creds.set_ids(p, "setgid", (50,)) == 0 and (p.gid, p.egid, p.sgid) == (50, 50, 50)
    assert creds.set_ids(p, "setuid", (1000,)) == 0
    assert creds.set_ids(p, "setgid", (60,)) == creds.EPERM
    assert creds.set_ids(p, "setegid", (50,)) == 0
    assert creds.set_groups(p, (1,)) == creds.EPERM and p.groups == (27, 100)


def test_exec_of_a_set_user_id_file_and_of_any_file() -> None:
    p = proc(1000, 1000, 1000)
    creds.on_exec(p, 0, 0, 0o4755)
    assert (p.uid, p.euid, p.suid) == (1000, 0, 0)
    p = proc(1000, 2000, 0)
    creds.on_exec(p, 0, 0, 0o755)                 # creds_rules.txt: "Uid: 1000 2000 2000"
    assert (p.uid, p.euid, p.suid) == (1000, 2000, 2000)
    p = proc(1000, 1000, 1000)
    p.gid = p.egid = p.sgid = 1000
    creds.on_exec(p, 0, 50, 0o2745)               # set-group-ID without group execute: no effect
    assert p.egid == 1000
    creds.on_exec(p, 0, 50, 0o2755)
    assert (p.gid, p.egid, p.sgid) == (1000, 50, 50)


# kill_perm.txt, row by row: (sender ids, target ids, allowed)
KILLS = [
    ((1000, 1000, 1000), (1000, 1000, 1000), True),
    ((2000, 2000, 2000), (1000, 1000, 1000), False),
    ((2000, 1000, 2000), (1000, 1000, 1000), True),
    ((1000, 2000, 2000), (1000, 1000, 1000), True),
    ((3000, 3000, 3000), (1000, 3000, 2000), False),
    ((2000, 2000, 2000), (1000, 3000, 2000), True),
    ((4000, 2000, 4000), (1000, 3000, 2000), True),
    ((1000, 1000, 1000), (0, 0, 0), False),
    ((1000, 0, 1000), (1000, 1000, 1000), True),
    ((0, 1000, 1000), (0, 0, 0), True),
]


@pytest.mark.parametrize(("sender", "target", "allowed"), KILLS)
def test_kill_permission_as_kill_ok_by_cred(sender, target, allowed) -> None:
    assert creds.may_kill(proc(*sender), proc(*target)) is allowed


# ---------------------------------------------------------------- end to end
def test_a_set_user_id_program_runs_with_its_owners_effective_uid(tmp_path: Path) -> None:
    out = printed(tmp_path, "    exec passwd", files='    program "/usr/bin/passwd" passwd owner 0 mode 4755',
                  programs='  program passwd {\n    print "{uid} {euid} {getuid()} {geteuid()} {gid} {egid}"\n  }',
                  run="run main uid 1000")
    assert out == "1000 0 1000 0 1000 1000\n"


def test_run_of_an_installed_set_user_id_program_applies_the_bit(tmp_path: Path) -> None:
    text = one('    print "{uid} {euid}"', files='    program "/bin/su" main owner 0 mode 4755', run="run main uid 7")
    trace = run_text(tmp_path, text)
    assert output(trace) == "7 0\n"
    [cred] = events(trace, "cred")
    assert cred.detail == ("run", 7, 0, 0, 7, 7, 7, ())


def test_a_plain_run_and_exec_make_no_cred_event(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one("    exec other", programs="  program other {\n    print \"x\"\n  }", run="run main uid 5"))
    assert events(trace, "cred") == [] and events(trace, "environ") == []


def test_fork_copies_every_id_and_the_groups(tmp_path: Path) -> None:
    assert_passes(tmp_path, one("""
    setresuid 1000, 0, 2000
    fork child {
      sleep 1ms
    }
    wait child
""", run="run main groups 27, 4", extra="""
  expect { uid(child) == 1000 at end
    euid(child) == 0 at end
    suid(child) == 2000 at end
    groups(child) == [4, 27] at end
    gid(child) == 0 at end
  }"""))


def test_setgroups_gid_calls_and_their_failures_end_to_end(tmp_path: Path) -> None:
    out = printed(tmp_path, """
    setgroups [10, 3]
    setregid 5, 6
    print "{groups} {gid} {egid}"
    setresgid 7, 7, 7
    setuid 1000
    a = setgroups [1]
    b = setgid 0
    c = setresgid -1, 7, -1
    print "{a} {b} {c} {errno}"
""")
    assert out == "[3, 10] 5 6\n-1 -1 0 EPERM\n"


def test_nice_below_zero_needs_an_effective_uid_of_0(tmp_path: Path) -> None:
    out = printed(tmp_path, """
    setresuid 1000, 1000, 0
    nice -5
    print "{errno}"
    seteuid 0
    nice -5
    print "ok"
""")
    assert out == "EPERM\nok\n"


def test_kill_through_the_kernel_uses_the_real_and_saved_uid(tmp_path: Path) -> None:
    text = one("""
    sleep 1ms
    send SIGTERM to 2
    print "{errno}"
""", programs="  program target {\n    setresuid 1000, 3000, 2000\n    pause\n  }",
        run="run target\n  run main uid 3000\n  run main as saved uid 2000 at 2ms\n")
    trace = run_text(tmp_path, text)
    assert output(trace) == "EPERM\n0\n"


def test_send_to_minus_one_reaches_only_the_permitted(tmp_path: Path) -> None:
    text = one("""
    sleep 1ms
    send SIGTERM to -1
""", programs="  program target {\n    pause\n  }",
        run="run target as mine uid 1000\n  run target as roots\n  run target as other uid 2000\n  run main uid 1000")
    assert_passes(tmp_path, text.replace("\n}\n", """
  expect killed_by(mine) == SIGTERM
  expect alive(roots) at end
  expect alive(other) at end
}
"""))


def test_open_uses_the_effective_ids_and_groups(tmp_path: Path) -> None:
    files = '    file "/srv/f" "x" owner 0 group 27 mode 640\n    file "/srv/m" "y" owner 2000 mode 600'
    out = printed(tmp_path, """
    a = open "/srv/f"
    setresuid 1000, 2000, 0
    b = open "/srv/m"
    c = open "/srv/f"
    print "{a} {b} {c} {errno}"
""", files=files, run="run main groups 27")
    assert out == "3 4 5 0\n"
    out = printed(tmp_path, """
    setresuid 2000, 1000, 0
    b = open "/srv/m"
    print "{b} {errno}"
""", files=files)
    assert out == "-1 EACCES\n"


# ---------------------------------------------------------------- exec that fails
FILES = """    program "/bin/ls" ls mode 755
    program "/opt/nox" ls mode 644
    file "/opt/data" "bytes" mode 755
    dir "/opt/d"
    program "/opt/closed/tool" ls mode 755
    dir "/opt/closed" mode 700"""
LS = '  program ls {\n    print "ls ran"\n  }'


@pytest.mark.parametrize(("line", "err"), [
    ('exec "/bin/nosuch"', "ENOENT"), ('exec "/opt/nox"', "EACCES"), ('exec "/opt/d"', "EACCES"),
    ('exec "/opt/data"', "ENOEXEC"), ('exec "ls"', "ENOENT"), ('exec "/opt/closed/tool"', "EACCES"),
    ('exec "/opt/data/x"', "ENOTDIR"), ('execvp "nosuch"', "ENOENT"), ('execvp "nox"', "EACCES"),
    ('execvp ""', "ENOENT"), ('execvp "/opt/nox"', "EACCES"),
])
def test_exec_fails_with_the_errno_linux_gives_and_the_process_goes_on(tmp_path: Path, line: str, err: str) -> None:
    body = f'    setenv PATH "/opt:/nowhere"\n    {line}\n    print "still here {{errno}}"'
    out = printed(tmp_path, body, files=FILES, programs=LS, run="run main uid 1000")
    assert out == f"still here {err}\n"


def test_the_failed_exec_is_a_fail_event_and_nothing_of_the_process_changes(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one('    x = 5\n    exec "/opt/nox" "a"\n    print "{x} {args}"', files=FILES, programs=LS,
                                   run='run main "kept" uid 1000'))
    assert output(trace) == "5 [kept]\n"
    [fail] = events(trace, "fail")
    assert fail.detail == ('exec "/opt/nox"', 13)
    assert events(trace, "exec") == []


def test_root_needs_some_execute_bit(tmp_path: Path) -> None:
    out = printed(tmp_path, '    exec "/opt/nox"\n    print "{errno}"\n    exec "/opt/x1"',
                  files=FILES + '\n    program "/opt/x1" ls mode 001', programs=LS)
    assert out == "EACCES\nls ran\n"


def test_execvp_skips_eacces_and_uses_the_default_path_when_path_is_unset(tmp_path: Path) -> None:
    files = FILES + '\n    program "/usr/bin/two" two mode 755'
    programs = LS + '\n  program two {\n    print "two"\n  }'
    out = printed(tmp_path, '    execvp "nox"', files=files + '\n    program "/usr/bin/nox" two', programs=programs,
                  run='run main uid 1000 env { PATH = "/opt:/usr/bin" }')
    assert out == "two\n"
    out = printed(tmp_path, '    execvp "two"', files=files, programs=programs)
    assert out == "two\n"
    out = printed(tmp_path, '    name = "l" + "s"\n    execvp name', files=files, programs=programs)
    assert out == "ls ran\n"


def test_exec_by_name_of_an_installed_program_goes_through_its_file(tmp_path: Path) -> None:
    files = '    program "/opt/only" ls mode 700 owner 0'
    out = printed(tmp_path, '    exec ls\n    print "{errno}"', files=files, programs=LS, run="run main uid 1000")
    assert out == "EACCES\n"
    assert printed(tmp_path, "    exec ls", files=files, programs=LS) == "ls ran\n"


# ---------------------------------------------------------------- the environment
def test_fork_shares_the_environment_until_one_side_writes(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one("""
    fork child {
      setenv B "2"
      print "child {environ}"
    }
    wait child
    print "parent {environ}"
""", run='run main env { A = "1" }'))
    assert output(trace) == "child [A=1, B=2]\nparent [A=1]\n"


def test_env_values_are_text_and_names_cannot_hold_an_equals_sign(tmp_path: Path) -> None:
    out = printed(tmp_path, """
    setenv N 42
    r = setenv "A=B" "x"
    u = unsetenv ""
    print "{environ} {r} {u} {errno}"
""")
    assert out == "[N=42] -1 -1 EINVAL\n"


def test_a_list_in_the_environment_is_a_program_fault(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one("    setenv L [1, 2]"))
    assert trace.end_reason.startswith("fault"), trace.end_reason
    [fault] = events(trace, "fault")
    assert "an environment variable holds text or a number, not a list" in fault.detail[0]


def test_expectations_read_the_environment_over_time(tmp_path: Path) -> None:
    [result] = check_text(tmp_path, one("""
    setenv X "1"
    sleep 1ms
    unsetenv X
    sleep 1ms
""", extra="""
  expect env(main, "X") == "1" at 500us
  expect env(main, "X") == "1" at end
"""))
    assert not result.passed
    text = failures(result)
    assert "main had no X in its environment at that time" in text


def test_ps_shows_the_effective_uid(tmp_path: Path) -> None:
    path = write_proc(tmp_path, one("    sleep 1ms\n    seteuid 5\n    sleep 1ms", run="run main uid 5",
                                    files='    program "/bin/m" main owner 0 mode 4755'))
    for at, uid in (("500us", "0"), ("1500us", "5")):
        code, out, err = cli_main(["ps", str(path), "--at", at])
        assert code == 0, err
        header, *rows = out.splitlines()[1:]
        row = dict(zip(header.split(), [r for r in rows if " main " in r][0].split()))
        assert row["UID"] == uid, out


# ---------------------------------------------------------------- the front end
@pytest.mark.parametrize(("line", "message"), [
    ("setuid", "unexpected"),
    ("setreuid 1", "unexpected"),
    ('exec "/x" env { 1 = 2 }', "unexpected"),
    ("setenv", "unexpected"),
    ("x = getenv()", "getenv"),
])
def test_malformed_credential_and_environment_statements_get_a_diagnostic(tmp_path: Path, line: str, message: str) -> None:
    found = diagnostics_of(tmp_path, one(f"    {line}"))
    assert found and any(message in d for d in found), found


@pytest.mark.parametrize(("line", "fault"), [
    ('setuid "root"', "setuid takes numbers"),
    ("setgroups 5", "setgroups takes a list"),
    ("exec_path = 3\n    execvp exec_path", "exec takes a path string"),
    ("x = getenv(3)", "getenv takes a variable's name as a string"),
])
def test_wrong_values_are_program_faults_at_their_line(tmp_path: Path, line: str, fault: str) -> None:
    trace = run_text(tmp_path, one(f"    {line}"))
    [ev] = events(trace, "fault")
    assert fault in ev.detail[0]


def test_a_files_program_must_name_a_program(tmp_path: Path) -> None:
    found = diagnostics_of(tmp_path, one("    exit", files='    program "/bin/x" nosuch'))
    assert any("unknown program 'nosuch'" in d for d in found), found


def test_run_ids_are_bounded(tmp_path: Path) -> None:
    found = diagnostics_of(tmp_path, one("    exit", run="run main gid 4294967295"))
    assert any("takes ids from 0 to 4294967294" in d for d in found), found


def test_memory_of_a_process_stays_small() -> None:
    p = Proc(2, 1)
    slots = sys.getsizeof(p)
    assert slots < 800, slots                    # the slotted object itself; the dicts are shared or empty
    assert p.env is Proc(3, 2).env               # one empty environment for everyone


def test_grade_scores_a_privilege_drop_and_an_environment(tmp_path: Path) -> None:
    tests = write_proc(tmp_path, """use submission

scenario "the daemon drops root for good" {
  run daemon
  expect "every uid is 1000" [5 pts] {
    uid(daemon) == 1000 at end
    euid(daemon) == 1000 at end
    suid(daemon) == 1000 at end
  }
  expect "HOME set for the child" [2 pts] env(worker, "HOME") == "/home/u" at end
}
""", "tests.proc")
    good = write_proc(tmp_path, "program daemon {\n  setuid 1000\n  setenv HOME \"/home/u\"\n"
                                "  fork worker {\n    sleep 1ms\n  }\n  wait worker\n}\n", "good.proc")
    bad = write_proc(tmp_path, "program daemon {\n  seteuid 1000\n  fork worker {\n    sleep 1ms\n  }\n}\n", "bad.proc")
    code, out, err = cli_main(["grade", "--tests", str(tests), "--submission", str(good)])
    assert code == 0 and "score: 7/7" in out, out + err
    code, out, err = cli_main(["grade", "--tests", str(tests), "--submission", str(bad)])
    assert "score: 0/7" in out and "expected uid(daemon) == 1000 at the end, but it is 0" in out, out + err


def test_a_path_of_a_million_folders_ends_at_max_events(tmp_path: Path) -> None:
    trace = run_text(tmp_path, """scenario "s" {
  machine { max_events 5000 }
  program main {
    setenv PATH ":" * 1000000
    execvp "x"
  }
  run main
}
""")
    assert trace.end_reason == "limit max_events", trace.end_reason
