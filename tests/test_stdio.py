"""stdio's buffers as glibc 2.36 keeps them, checked against docs/evidence/stdio_buffer.txt and exp6_stdio."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import events, output, run_text


def one(body: str, run: str = "run main", extra: str = "") -> str:
    return f'scenario "t" {{\n  program main {{\n{body}\n  }}\n{extra}\n  {run}\n}}\n'


TO_FILE = """
    fd = open "/tmp/out" O_WRONLY O_CREAT O_TRUNC
    dup2 fd stdout
    close fd
"""
CAT = "  program cat {\n    for line in stdin { print \"[{line}]\" }\n  }"


def terminal_writes(trace) -> list[int]:
    return [len(e.detail[1].encode()) for e in events(trace, "output")]


def file_writes(trace) -> list[int]:
    return [e.detail[3] for e in events(trace, "write") if e.detail[1] == "file"]


A_TEN = '"aaaaaaaaaa"'


@pytest.mark.parametrize(("where", "want"), [
    ("file", [4096, 4096, 4096, 2712]),
    ("terminal", [4096, 1024, 9216, 664]),
])
def test_a_5000_then_10000_byte_printf(tmp_path: Path, where: str, want: list[int]) -> None:
    # stdio_buffer "big": printf of 5000 bytes, then of 10000 (no newline)
    body = f'    five = ""\n    repeat 500 {{ five = five + {A_TEN} }}\n    printf five\n    printf five + five'
    trace = run_text(tmp_path, one((TO_FILE if where == "file" else "") + body))
    assert (file_writes(trace) if where == "file" else terminal_writes(trace)) == want


def test_a_terminal_flushes_at_each_newline(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one('    printf "ab\\ncd"\n    printf "ef\\n"\n    printf "gh"'))
    assert [e.detail[1] for e in events(trace, "output")] == ["ab\n", "cdef\n", "gh"]


def test_a_file_or_pipe_gets_one_write_at_exit(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one(TO_FILE + '    printf "ab\\ncd"\n    printf "ef\\n"\n    printf "gh"'))
    assert [e.detail[6] for e in events(trace, "write") if e.detail[1] == "file"] == ["ab\ncdef\ngh"]


def test_a_long_line_on_a_terminal_goes_in_whole_blocks(tmp_path: Path) -> None:
    # stdio_buffer "longline": 1500 bytes with one newline, at 100
    body = (f'    s = ""\n    repeat 10 {{ s = s + {A_TEN} }}\n    s = s + "\\n"\n'
            f'    repeat 139 {{ s = s + {A_TEN} }}\n    printf s + "aaaaaaaaa"')
    assert terminal_writes(run_text(tmp_path, one(body))) == [1024, 476]


def test_the_buffering_mode_is_fixed_at_the_first_output(tmp_path: Path) -> None:
    # stdout_buffer "late": the first printf went to the terminal, so the file gets line-buffered writes
    trace = run_text(tmp_path, one('    printf "a"' + TO_FILE + '    printf "b\\n"\n    printf "c"'))
    assert [e.detail[6] for e in events(trace, "write") if e.detail[1] == "file"] == ["ab\n", "c"]
    assert output(trace) == ""


def test_exit_flushes_the_newest_stream_first_and_stdout_last(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one('    f = dup stdout\n    fprintf f "F"\n    printf "O"\n    fprintf stderr "E"'))
    assert [(e.detail[0], e.detail[1]) for e in events(trace, "output")] == [(2, "E"), (3, "F"), (1, "O")]


def test_stderr_is_unbuffered(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one('    fprintf stderr "ab"\n    fprintf stderr "cd\\n"\n    sleep 1ms'))
    outs = events(trace, "output")
    assert [e.detail[1] for e in outs] == ["ab", "cd\n"] and outs[0].time < 1_000_000


@pytest.mark.parametrize(("how", "want"), [
    ("exit 0", "data"), ("", "data"), ("_exit 0", ""), ("send SIGTERM to pid", ""),
])
def test_which_ends_flush_the_buffer(tmp_path: Path, how: str, want: str) -> None:
    # exp6_stdio: exit and return flush, _exit and a fatal signal do not
    assert output(run_text(tmp_path, one(f'    printf "data"\n    {how}'))) == want


def test_exec_drops_the_buffer(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one('    printf "lost"\n    exec other', extra="  program other {\n    print \"new\"\n  }"))
    assert output(trace) == "new\n"


@pytest.mark.parametrize(("text", "terminal", "pipe"), [
    ("x", "xx", "[xx]\n"),                    # exp6 fork: twice everywhere
    ("hello\\n", "hello\n", "[hello]\n[hello]\n"),   # once on a terminal, twice into a pipe
])
def test_printf_then_fork(tmp_path: Path, text: str, terminal: str, pipe: str) -> None:
    body = f'    printf "{text}"\n    fork child {{ }}\n    wait child'
    assert output(run_text(tmp_path, one(body))) == terminal
    assert output(run_text(tmp_path, one(body, run="run main | cat", extra=CAT))) == pipe


def test_fflush_writes_now(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one(TO_FILE + '    printf "a"\n    fflush stdout\n    printf "b"\n    fflush\n'
                                             '    sleep 1ms\n    printf "c"'))
    writes = events(trace, "write")
    assert [e.detail[6] for e in writes] == ["a", "b", "c"]
    assert writes[1].time < 1_000_000 <= writes[2].time


def test_a_line_buffered_stdout_is_flushed_before_reading_the_terminal(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one('    printf "prompt> "\n    for line in stdin { }\n    sleep 1ms\n    print "done"'))
    outs = events(trace, "output")
    assert [e.detail[1] for e in outs] == ["prompt> ", "done\n"]
    assert outs[0].time < 1_000_000


def test_an_exit_flush_into_a_full_pipe_waits_for_the_reader(tmp_path: Path) -> None:
    body = ('    s = "0123456789abcdef"\n    repeat 13 { s = s + s }\n'      # 131072 bytes
            '    printf s\n    printf "\\nend\\n"')
    extra = "  program slow {\n    sleep 5ms\n    n = 0\n    for line in stdin { n += 1 }\n    print n\n  }"
    trace = run_text(tmp_path, one(body, run="run main | slow", extra=extra))
    assert output(trace) == "2\n"
    blocks = [e for e in events(trace, "block") if "write to pipe" in e.detail[1]]
    assert blocks, "the flush at exit must have slept on the full pipe"


def test_a_handler_without_sa_restart_interrupts_a_pipe_read_with_eintr(tmp_path: Path) -> None:
    trace = run_text(tmp_path, one("""
    p = pipe
    on SIGUSR1 flags none { print "handler" }
    n = read p.read 10
    print "{n} {errno}"
""", extra="  at 1ms send SIGUSR1 to main"))
    assert output(trace) == "handler\n-1 EINTR\n"
