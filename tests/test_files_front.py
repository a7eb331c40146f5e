"""The front end of the file statements and the `files` block: what it accepts and the diagnostics it gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import compile_text, diagnostics_of


def prog(body: str, files: str = "", expect: str = "") -> str:
    block = f"  files {{\n{files}\n  }}\n" if files else ""
    return f'scenario "t" {{\n{block}  program main {{\n{body}\n  }}\n  run main\n{expect}\n}}\n'


@pytest.mark.parametrize(("body", "message"), [
    ('fd = open "/x" O_WRONLY O_CRAET', "3:25: unknown open flag 'O_CRAET' (did you mean 'O_CREAT'?)"),
    ('fd = open "/x" O_RDONLY O_WRONLY', "3:1: open takes one access mode, not O_RDONLY and O_WRONLY"),
    ('fd = open "/x" O_WRONLY O_WRONLY', "3:25: 'O_WRONLY' is given twice"),
    ('fd = open "/x" O_WRONLY mode 644', "3:30: a mode only matters when open creates the file"),
    ('fd = open "/x" O_WRONLY O_CREAT mode 649', "3:38: '649' is not a file mode"),
    ('fd = open "/x" O_WRONLY O_CREAT mode 17777', "3:38: '17777' is not a file mode"),
    ("p = lseek 3 0 SEEK_BEGIN", "3:15: unknown lseek origin 'SEEK_BEGIN' (did you mean 'SEEK_END'?)"),
    ("fcntl 3 F_GETFL", "3:9: unknown fcntl command 'F_GETFL' (did you mean 'F_GETFD'?)"),
    ("fcntl 3 F_SETFD", "3:9: F_SETFD takes FD_CLOEXEC or 0"),
    ("x = fcntl 3 F_GETFD FD_CLOEXEC", "3:21: F_GETFD takes no argument"),
    ("n = read 3 10 into", "3:19: unexpected end of line: expected a name"),
    ("opn \"/x\"", "3:1: unknown statement 'opn' (did you mean 'open'?)"),
])
def test_file_statement_diagnostics(tmp_path: Path, body: str, message: str) -> None:
    text = prog(body).replace("  program main {\n", "  program main {\n")
    found = diagnostics_of(tmp_path, text)
    assert any(d.startswith(message) for d in found), found


@pytest.mark.parametrize(("files", "message"), [
    ('    file "etc/motd" ""', "3:10: 'etc/motd' is not an absolute path"),
    ('    file "/etc//motd" ""', "3:10: write the path '/etc//motd' plainly"),
    ('    file "/a" ""\n    file "/a" "x"', "4:10: '/a' is declared twice"),
    ('    file "/a/b" ""\n    file "/a" ""', "3:10: '/a' is a file, so nothing can be inside it"),
    ('    file "/x" "" mode 8', "3:23: '8' is not a file mode"),
    ('    file "/x" "" owner 1 owner 2', "3:26: 'owner' is given twice"),
    ('    dir "/" mode 700', "3:9: '/' is always there"),
    ('    file "/tmp" ""', "3:10: '/tmp' is a directory"),
])
def test_files_block_diagnostics(tmp_path: Path, files: str, message: str) -> None:
    found = diagnostics_of(tmp_path, prog("compute 1ms", files=files).replace("  files {\n", "  files {\n"))
    assert any(d.startswith(message) for d in found), found


def test_two_files_blocks_are_an_error(tmp_path: Path) -> None:
    text = 'scenario "t" {\n  files { }\n  files { }\n  program main { }\n  run main\n}\n'
    assert any("a scenario has one files block" in d for d in diagnostics_of(tmp_path, text))


@pytest.mark.parametrize(("expect", "message"), [
    ("  expect file() == \"\"", "file takes one argument"),
    ("  expect offset(main) == 0", "offset takes two arguments"),
    ("  expect exists(\"/a\", \"/b\")", "exists takes one argument"),
    ("  expect ofset(main, 3) == 0", "unknown function 'ofset' (did you mean 'offset'?)"),
])
def test_file_query_diagnostics(tmp_path: Path, expect: str, message: str) -> None:
    found = diagnostics_of(tmp_path, prog("compute 1ms", expect=expect))
    assert any(message in d for d in found), found


def test_the_plan_carries_flags_modes_and_declared_files(tmp_path: Path) -> None:
    (plan,) = compile_text(tmp_path, prog(
        'fd = open "/tmp/log" O_CREAT O_APPEND O_WRONLY mode 0600\nn = read fd 10 into buf\np = lseek fd -2 SEEK_END',
        files='    file "/home/alice/diary" "" owner 1000 mode 600\n    dir "/home/alice" owner 1000 mode 700'))
    ops = {op.op: op for op in plan.programs["main"].ops}
    flags, mode, text = (a.value for a in ops["open"].args)
    assert (flags, mode, text) == (0o1 | 0o100 | 0o2000, 0o600, "O_WRONLY|O_CREAT|O_APPEND")
    assert ops["read"].args[0].value == "buf" and ops["lseek"].args[0].value == 2
    assert [(f.path, f.kind, f.owner, f.group, f.mode) for f in plan.files] == [
        ("/home/alice", "dir", 1000, 1000, 0o700), ("/home/alice/diary", "file", 1000, 1000, 0o600)]


def test_names_that_became_keywords_still_read_as_names_elsewhere(tmp_path: Path) -> None:
    # `read`, `open`, `mode`, `file` are keywords only where a statement or a files block expects them
    compile_text(tmp_path, prog('p = pipe\nx = p.read\nmode = 3\nfile = mode + 1\nprint "{x} {file}"'))
