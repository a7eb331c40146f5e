"""Regular files on the open-file layer, checked against what Linux answered (docs/evidence/files_errno.txt)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import assert_passes, check_text, events, failures, output, run_text


def one(body: str, files: str = "", run: str = "run main", extra: str = "") -> str:
    block = f"  files {{\n{files}\n  }}\n" if files else ""
    return f'scenario "t" {{\n{block}  program main {{\n{body}\n  }}\n  {run}\n{extra}\n}}\n'


def printed(tmp_path: Path, body: str, files: str = "", run: str = "run main") -> str:
    trace = run_text(tmp_path, one(body, files, run))
    assert trace.end_reason == "done", trace.end_reason
    return output(trace)


# ---------------------------------------------------------------- descriptions and offsets
def test_fork_shares_the_description_so_writes_follow_each_other(tmp_path: Path) -> None:
    # exp7_ofd case 1: P writes 4, the child 2, P 2 through one description -> "PPPPCCpp"
    out = printed(tmp_path, """
    fd = open "/tmp/f" O_RDWR O_CREAT O_TRUNC
    write fd "PPPP"
    fork child { write fd "CC" }
    wait child
    write fd "pp"
    pos = lseek fd 0 SEEK_CUR
    lseek fd 0 SEEK_SET
    n = read fd 64 into text
    print "{pos} {n} {text}"
""")
    assert out == "8 8 PPPPCCpp\n"


def test_a_child_lseek_moves_the_parents_offset(tmp_path: Path) -> None:
    out = printed(tmp_path, """
    fd = open "/tmp/f" O_RDWR O_CREAT
    write fd "0123456789"
    fork child { lseek fd 1 SEEK_SET }
    wait child
    print lseek_result
""".replace("print lseek_result", "pos = lseek fd 0 SEEK_CUR\n    print pos"))
    assert out == "1\n"                       # exp7_ofd case 2


def test_separate_opens_have_separate_offsets_and_overwrite(tmp_path: Path) -> None:
    out = printed(tmp_path, """
    fd = open "/tmp/f" O_RDWR O_CREAT O_TRUNC
    write fd "PPPP"
    fork child {
      mine = open "/tmp/f" O_WRONLY
      write mine "CC"
    }
    wait child
    lseek fd 0 SEEK_SET
    read fd 64 into text
    print text
""")
    assert out == "CCPP\n"                    # exp7_ofd case 3


def test_o_append_writes_at_the_end_whatever_the_offset(tmp_path: Path) -> None:
    out = printed(tmp_path, """
    fd = open "/tmp/f" O_RDWR O_CREAT O_TRUNC O_APPEND
    write fd "PPPP"
    fork child {
      mine = open "/tmp/f" O_WRONLY O_APPEND
      write mine "CC"
    }
    wait child
    lseek fd 0 SEEK_SET
    write fd "pp"
    pos = lseek fd 0 SEEK_CUR
    r = open "/tmp/f"
    read r 64 into text
    print "{text} {pos}"
""")
    assert out == "PPPPCCpp 8\n"              # exp7_ofd case 4; files_errno: lseek then write goes to the end


def test_dup_and_dup2_share_one_offset(tmp_path: Path) -> None:
    out = printed(tmp_path, """
    a = open "/tmp/f" O_RDWR O_CREAT O_TRUNC
    b = dup a
    dup2 a 9
    write a "ab"
    write b "cd"
    write 9 "ef"
    x = lseek a 0 SEEK_CUR
    y = lseek b 0 SEEK_CUR
    z = lseek 9 0 SEEK_CUR
    print "{b} {x} {y} {z}"
""")
    assert out == "4 6 6 6\n"                 # exp7_ofd case 5


def test_an_unlinked_file_stays_readable_through_its_open_fd(tmp_path: Path) -> None:
    out = printed(tmp_path, """
    fd = open "/tmp/f" O_RDWR O_CREAT
    write fd "abcdef"
    unlink "/tmp/f"
    again = open "/tmp/f"
    e = errno
    lseek fd 0 SEEK_SET
    n = read fd 15 into text
    print "{again} {e} {n} {text}"
""")
    assert out == "-1 ENOENT 6 abcdef\n"      # exp7_ofd case 6


def test_the_lowest_free_fd_is_used(tmp_path: Path) -> None:
    out = printed(tmp_path, """
    x = open "/etc/motd"
    y = open "/etc/motd"
    z = open "/etc/motd"
    close y
    y2 = open "/etc/motd"
    close x
    close z
    x2 = open "/etc/motd"
    print "{x} {y} {z} {y2} {x2}"
""", files='    file "/etc/motd" "hi\\n"')
    assert out == "3 4 5 4 3\n"               # exp7_ofd case 7


def test_a_short_read_at_the_end_then_zero(tmp_path: Path) -> None:
    out = printed(tmp_path, """
    fd = open "/tmp/f" O_RDWR O_CREAT O_TRUNC
    write fd "0123456789"
    lseek fd 6 SEEK_SET
    a = read fd 16 into text
    b = read fd 16
    c = read fd 0
    print "{a} {text} {b} {c}"
""")
    assert out == "4 6789 0 0\n"              # exp7_ofd case 8; read(fd, buf, 0) is 0


def test_close_on_exec_closes_only_the_marked_fds(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one("""
    plain = open "/etc/motd"
    oc = open "/etc/motd" O_RDONLY O_CLOEXEC
    fc = open "/etc/motd"
    fcntl fc F_SETFD FD_CLOEXEC
    a = fcntl oc F_GETFD
    b = fcntl plain F_GETFD
    print "{a} {b}"
    exec check
""", files='    file "/etc/motd" "hi\\n"', extra="""
  program check {
    for fd in [3, 4, 5] {
      f = fcntl fd F_GETFD
      print "fd {fd}: {f} {errno}"
    }
  }"""))
    assert output(trace) == "1 0\nfd 3: 0 0\nfd 4: -1 EBADF\nfd 5: -1 EBADF\n"     # exp7_ofd case 9
    closes = [e.detail for e in events(trace, "close")]
    assert closes == [(4, "exec"), (5, "exec")]


def test_dup_clears_close_on_exec_on_the_new_fd(tmp_path: Path) -> None:
    out = printed(tmp_path, """
    fd = open "/etc/motd" O_RDONLY O_CLOEXEC
    d = dup fd
    a = fcntl fd F_GETFD
    b = fcntl d F_GETFD
    fcntl fd F_SETFD 0
    c = fcntl fd F_GETFD
    print "{a} {b} {c}"
""", files='    file "/etc/motd" "hi\\n"')
    assert out == "1 0 0\n"


def test_a_gap_left_by_lseek_reads_as_zero_bytes(tmp_path: Path) -> None:
    assert_passes(tmp_path, one("""
    fd = open "/tmp/hole" O_RDWR O_CREAT O_TRUNC
    p = lseek fd 5 SEEK_END
    n = write fd "xy"
    lseek fd 0 SEEK_SET
    m = read fd 16 into text
    tail = "xy" in text
    print "{p} {n} {m} {len(text)} {tail}"
""", extra='''  expect size("/tmp/hole") == 7
  expect output == "5 2 7 7 true\\n"'''))


# ---------------------------------------------------------------- errno, as Linux gives it
ERRNO_TABLE = [
    # (statement, result printed, files block)
    ('x = open "/tmp/missing"', "-1 ENOENT", ""),
    ('x = open "/nodir/f" O_WRONLY O_CREAT', "-1 ENOENT", ""),
    ('x = open "/etc/motd/x"', "-1 ENOTDIR", 'file "/etc/motd" "hi"'),
    ('x = open "/etc/motd" O_WRONLY O_CREAT O_EXCL', "-1 EEXIST", 'file "/etc/motd" "hi"'),
    ('x = open "/tmp" O_WRONLY', "-1 EISDIR", ""),
    ('x = open "/tmp" O_RDONLY O_CREAT', "-1 EISDIR", ""),
    ('x = open "/tmp" O_RDONLY O_TRUNC', "-1 EISDIR", ""),
    ('x = open "/tmp" O_RDONLY O_CREAT O_EXCL', "-1 EEXIST", ""),
    ('x = open "/tmp/new/" O_WRONLY O_CREAT', "-1 EISDIR", ""),
    ('x = open "/etc/motd/"', "-1 ENOTDIR", 'file "/etc/motd" "hi"'),
    ('x = open "/tmp"', "3 0", ""),
    ('x = open "/' + "a" * 256 + '"', "-1 ENAMETOOLONG", ""),
]


@pytest.mark.parametrize(("stmt", "want", "files"), ERRNO_TABLE, ids=[r[1] + " " + r[0][:30] for r in ERRNO_TABLE])
def test_open_errno(tmp_path: Path, stmt: str, want: str, files: str) -> None:
    assert printed(tmp_path, f'    {stmt}\n    print "{{x}} {{errno}}"', files="    " + files if files else "") \
        == want + "\n"


def test_descriptor_mistakes_get_ebadf_and_espipe(tmp_path: Path) -> None:
    out = printed(tmp_path, """
    ro = open "/etc/motd"
    wo = open "/etc/motd" O_WRONLY
    a = write ro "x"
    e1 = errno
    b = read wo 1
    e2 = errno
    close ro
    c = read ro 1
    e3 = errno
    d = dup ro
    e4 = errno
    p = pipe
    s = lseek p.read 0 SEEK_CUR
    e5 = errno
    t = lseek 1 0 SEEK_CUR
    e6 = errno
    dir = open "/tmp"
    u = read dir 1
    e7 = errno
    v = lseek wo -1 SEEK_SET
    e8 = errno
    lseek wo 9223372036854775806 SEEK_SET
    w = lseek wo 2 SEEK_CUR
    e9 = errno
    print "{a} {e1} {b} {e2} {c} {e3} {d} {e4} {s} {e5} {t} {e6} {u} {e7} {v} {e8} {w} {e9}"
""", files='    file "/etc/motd" "hi"')
    assert out == "-1 EBADF -1 EBADF -1 EBADF -1 EBADF -1 ESPIPE -1 ESPIPE -1 EISDIR -1 EINVAL -1 EINVAL\n"


def test_emfile_after_1024_fds(tmp_path: Path) -> None:
    out = printed(tmp_path, """
    last = 0
    loop {
      fd = open "/etc/motd"
      if fd < 0 { break }
      last = fd
    }
    print "{last} {errno}"
""", files='    file "/etc/motd" "hi"')
    assert out == "1023 EMFILE\n"


PERMS = '''
    file "/tmp/fe/secret" "s" mode 600
    file "/tmp/fe/ro" "data" owner 1000 mode 444
    file "/tmp/fe/ownerdeny" "" owner 1000 mode 077
    file "/tmp/fe/grp" "" owner 0 group 1000 mode 640
    file "/tmp/fe/nosearch/f" ""
    dir "/tmp/fe/nosearch" mode 666
    file "/tmp/fe/nowrite/f" "" mode 666
    dir "/tmp/fe/nowrite" mode 555
    dir "/tmp/fe/priv" mode 700
    dir "/tmp/fe" mode 777
    file "/tmp/rootfile" "" mode 666'''

PERM_BODY = """
    a = open "/tmp/fe/secret"
    ea = errno
    b = open "/tmp/fe/ro" O_RDONLY O_TRUNC
    eb = errno
    c = open "/tmp/fe/ownerdeny"
    ec = errno
    d = open "/tmp/fe/grp"
    e = open "/tmp/fe/grp" O_WRONLY
    ee = errno
    f = open "/tmp/fe/nosearch/f"
    ef = errno
    g = open "/tmp/fe/nowrite/new" O_WRONLY O_CREAT
    eg = errno
    h = open "/tmp/fe/nowrite/f" O_WRONLY
    i = open "/tmp/fe/priv"
    ei = errno
    unlink "/tmp/fe/nowrite/f"
    ej = errno
    unlink "/tmp/rootfile"
    ek = errno
    print "{a} {ea} {b} {eb} {c} {ec} {d} {e} {ee} {f} {ef} {g} {eg} {h} {i} {ei} {ej} {ek}"
"""


def test_permissions_as_uid_1000(tmp_path: Path) -> None:
    # files_errno.txt, "as uid 1000 gid 1000"; an fd is a number, so only the -1s are compared exactly
    out = printed(tmp_path, PERM_BODY, files=PERMS, run="run main uid 1000").split()
    assert out[:6] == ["-1", "EACCES", "-1", "EACCES", "-1", "EACCES"]
    assert int(out[6]) >= 3, "group 1000 may read a 640 file of group 1000"
    assert out[7:11] == ["-1", "EACCES", "-1", "EACCES"]
    assert out[11:13] == ["-1", "EACCES"], "creating needs write permission on the directory"
    assert int(out[13]) >= 3, "writing an existing 666 file needs no write permission on its directory"
    assert out[14:] == ["-1", "EACCES", "EACCES", "EPERM"], "unlink: the directory's w; /tmp is sticky"


def test_root_passes_every_permission_check(tmp_path: Path) -> None:
    out = printed(tmp_path, PERM_BODY, files=PERMS).split()
    fds = [out[i] for i in (0, 2, 4, 6, 7, 9, 11, 13, 14)]
    assert all(int(fd) >= 3 for fd in fds), out
    assert out[-2:] == ["0", "0"], "root may unlink anywhere"


def test_a_created_file_gets_the_umask_and_the_creator_as_owner(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one("""
    fd = open "/tmp/mine" O_WRONLY O_CREAT mode 666
    close fd
    again = open "/tmp/mine" O_WRONLY O_CREAT mode 600
    print again
""", run="run main uid 1000"))
    opens = events(trace, "open")
    assert [e.detail[4] for e in opens] == ["created", "opened"]
    assert output(trace) == "3\n"


def test_permission_is_checked_at_open_not_at_each_read(tmp_path: Path) -> None:
    # the last line of files_errno.txt: an fd opened by root reads after the process's uid changed
    # (procdsl has no setuid: the fd goes through exec to a program run by the same process)
    out = printed(tmp_path, """
    fd = open "/tmp/secret"
    n = read fd 10 into text
    print "{n} {text}"
""", files='    file "/tmp/secret" "s3cret" mode 600')
    assert out == "6 s3cret\n"


def test_a_full_file_system_writes_what_fits_then_enospc(tmp_path: Path) -> None:
    out = printed(tmp_path, """
    fd = open "/tmp/big" O_WRONLY O_CREAT
    s = "0123456789abcdef"
    repeat 16 { s = s + s }
    total = 0
    loop {
      n = write fd s
      if n < 0 { break }
      total += n
    }
    print "{total} {errno}"
""")
    assert out == f"{16 * 1024 * 1024} ENOSPC\n"


# ---------------------------------------------------------------- expectations from events
def test_expectations_on_files_and_offsets(tmp_path: Path) -> None:
    assert_passes(tmp_path, one("""
    fd = open "/tmp/log" O_WRONLY O_CREAT O_APPEND
    write fd "one\\n"
    sleep 1ms
    fork child { write fd "two\\n" }
    wait child
    sleep 1ms
    unlink "/tmp/log"
""", extra="""
  expect file("/tmp/log") == "one\\n" at 500us
  expect file("/tmp/log") == "one\\ntwo\\n" at 1500us
  expect size("/tmp/log") == 8 at 1500us
  expect offset(main, 3) == 4 at 500us
  expect offset(main, 3) == 8 at 1500us
  expect exists("/tmp/log") at 1500us
  expect not exists("/tmp/log")
  expect exists("/tmp") and not exists("/etc")"""))


def test_a_wrong_expectation_on_a_file_fails_with_a_reason(tmp_path: Path) -> None:
    (result,) = check_text(tmp_path, one("""
    fd = open "/tmp/log" O_WRONLY O_CREAT
    write fd "abc"
    unlink "/tmp/log"
""", extra="""
  expect file("/tmp/log") == "abc"
  expect offset(main, 7) == 0 at 0ns
  expect file("/tmp") == \"\""""))
    assert not result.passed
    text = failures(result)
    assert "no file at /tmp/log" in text and "unlinked" in text
    assert "fd 7 of main (pid 2) was not open on a file" in text
    assert "/tmp is a directory" in text


def test_the_checker_replays_files_from_events_not_from_the_kernel(tmp_path: Path) -> None:
    """Overwrites, a gap, a truncation and an O_APPEND: the model's contents equal the kernel's."""
    from helpers import compile_text

    from procdsl.check.model import Model
    from procdsl.kernel.loop import Kernel
    (plan,) = compile_text(tmp_path, one("""
    a = open "/tmp/x" O_RDWR O_CREAT
    write a "hello world"
    lseek a 3 SEEK_SET
    write a "LO"
    lseek a 20 SEEK_SET
    write a "!"
    b = open "/tmp/y" O_WRONLY O_CREAT O_APPEND
    write b "1"
    c = open "/etc/motd" O_WRONLY O_TRUNC
    write c "bye"
    write b "2"
""", files='    file "/etc/motd" "welcome to the machine\\n"'))
    k = Kernel(plan)
    trace = k.run()
    model = Model(trace)

    class Env:
        t = trace.end_time
        def note(self, _text): pass
    for path in ("/tmp/x", "/tmp/y", "/etc/motd"):
        kind, name, node = k.fs.resolve(k.init, path)
        assert model.files.contents(Env(), path) == bytes(node.data).decode(), path


def test_a_big_pipe_write_cut_short_by_the_last_reader_returns_what_went(tmp_path: Path) -> None:
    # pipe_write: bytes already written are counted, SIGPIPE is raised; only a write that put none fails
    out = printed(tmp_path, """
    ignore SIGPIPE
    p = pipe
    fork reader {
      close p.write
      sleep 1ms
      n = read p.read 10 into got
      print "reader took {n}"
    }
    close p.read
    s = "0123456789abcdef"
    repeat 13 { s = s + s }
    n = write p s
    e = errno
    m = write p "more"
    print "{n} {m} {errno}"
    wait reader
""")
    assert out == "reader took 10\n65536 -1 EPIPE\n"


def test_a_partial_pipe_read_frees_a_slot_only_when_it_is_read_to_its_end(tmp_path: Path) -> None:
    from procdsl.kernel.files.pipe import Pipe
    pipe = Pipe(1)
    assert pipe.put(b"a" * 4000) == 4000 and pipe.put(b"b" * 96) == 96      # one slot, full page
    assert pipe.take(10) == b"a" * 10
    assert pipe.put(b"c" * 10) == 10 and len(pipe.slots) == 2                # no merging into the read slot
    assert pipe.take(4086) == b"a" * 3990 + b"b" * 96 and list(pipe.slots) == [10]
    assert pipe.take(100) == b"c" * 10 and not pipe.slots and pipe.head == 0


def test_paths_have_one_name_in_events_and_expectations(tmp_path: Path) -> None:
    # a relative path starts at / (there is no working directory); '.', '..' and '//' are resolved
    assert_passes(tmp_path, one("""
    a = open "notes" O_WRONLY O_CREAT
    write a "one"
    b = open "/tmp/../tmp//./x/" O_WRONLY O_CREAT
    c = open "/tmp/./y" O_WRONLY O_CREAT
    write c "two"
    print "{b} {errno}"
""", extra="""
  expect file("/notes") == "one" and file("notes") == "one" and file("/tmp/../notes") == "one"
  expect file("/tmp/y") == "two" and exists("/tmp//y/")
  expect not exists("/tmp/x")
  expect output == "-1 EISDIR\\n\""""))
