"""Pipes on the open-file layer: the line buffer is linear, a deadlock's explanation is bounded."""

from __future__ import annotations

import time
from pathlib import Path

from helpers import events, output, run_text

from procdsl.kernel import deadlock


def _scenario(body: str, machine: str = "") -> str:
    return f'scenario "t" {{\n  machine {{\n{machine}\n  }}\n  program main {{\n{body}\n  }}\n  run main\n}}\n'


NO_NEWLINE = """
    p = pipe
    fork writer {
      close p.read
      repeat COUNT { write p "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; sleep 1us }
    }
    close p.write
    for line in p { print len(line) }
"""


def test_a_line_that_never_ends_is_read_in_linear_time(tmp_path: Path) -> None:
    """Each small write wakes the reader, which reads once more; the buffer is not copied per read."""
    started = time.perf_counter()
    trace = run_text(tmp_path, _scenario(NO_NEWLINE.replace("COUNT", "10000"), "max_events 5000000"))
    assert output(trace) == "1000000\n"
    reads = [e for e in events(trace, "wake") if e.detail[0].startswith("data in")]
    assert len(reads) > 5000, "the reader must really have read in many small pieces"
    assert time.perf_counter() - started < 20


def test_a_line_past_the_string_limit_is_a_program_fault(tmp_path: Path) -> None:
    trace = run_text(tmp_path, _scenario(NO_NEWLINE.replace("COUNT", "11000"), "max_events 5000000"))
    assert trace.end_reason == "fault"
    (fault,) = events(trace, "fault")
    assert "a line longer than 1048576 bytes" in fault.detail[0]
    assert fault.detail[2] == 13, "the fault is at the `for line in p` that read it"


def test_lines_split_across_reads_and_a_last_line_without_newline(tmp_path: Path) -> None:
    trace = run_text(tmp_path, _scenario("""
    p = pipe
    fork writer {
      close p.read
      write p "on"
      sleep 1ms
      write p "e\\ntw"
      sleep 1ms
      write p "o\\n\\nthree"
    }
    close p.write
    for line in p { print "[{line}]" }
"""))
    assert output(trace) == "[one]\n[two]\n[]\n[three]\n"


def test_a_multibyte_character_split_between_two_reads_arrives_whole(tmp_path: Path) -> None:
    # 65,535 bytes and then "é": the pipe takes 65,536 bytes, so the reader's first read ends
    # with é's first byte and the second starts with its last. The line is decoded once whole.
    trace = run_text(tmp_path, _scenario("""
    p = pipe
    fork writer {
      close p.read
      b = "aaaaaaaaaaaaaaa"
      c = ""
      repeat 17 { c = c + b }
      d = ""
      repeat 257 { d = d + c }
      write p d + "é\\n"
    }
    close p.write
    for line in p {
      e = "é" in line
      print "{len(line)} {e}"
    }
"""))
    assert output(trace) == "65536 true\n"
    reads = [e for e in events(trace, "wake") if e.detail[0].startswith("data in")]
    assert len(reads) >= 2, "the line must have come in two reads"


READERS = """
    p = pipe
    repeat COUNT {
      fork reader { for line in p { print line } }
    }
    for line in p { print line }
"""


def test_a_deadlock_of_thousands_of_readers_is_explained_in_one_bounded_line(tmp_path: Path) -> None:
    started = time.perf_counter()
    trace = run_text(tmp_path, _scenario(READERS.replace("COUNT", "8999"), "max_events 5000000"))
    assert trace.end_reason == "deadlock"
    (record,) = events(trace, "deadlock")
    (line,) = record.detail[0]
    assert line == ("9,000 processes (main(2), reader[0](3), reader[1](4), reader[2](5), reader[3](6), "
                    "… (8,995 more)) wait to read pipe#1, whose write end is still open in main(2) fd 4, "
                    "reader[0](3) fd 4, reader[1](4) fd 4, reader[2](5) fd 4, reader[3](6) fd 4, … (8,995 more)")
    assert time.perf_counter() - started < 30


def test_a_deadlock_record_has_a_bounded_number_of_lines(tmp_path: Path) -> None:
    # every child waits for its own child: no two share a line, so the record is cut
    trace = run_text(tmp_path, _scenario("""
    repeat 40 {
      fork mid {
        fork leaf { pause }
        wait
      }
    }
    wait
"""))
    (record,) = events(trace, "deadlock")
    lines = record.detail[0]
    assert len(lines) == deadlock.MAX_LINES + 1
    assert lines[-1] == "… and 61 more blocked processes"        # main and 19 mids are named, of 81
    assert lines[0].startswith("main(2) waits for a child to exit; its children: mid[0](3), ")
    assert lines[0].endswith(", … (35 more)")


def test_one_blocked_reader_keeps_its_one_line_explanation(tmp_path: Path) -> None:
    trace = run_text(tmp_path, _scenario("""
    p = pipe
    for line in p { print line }
"""))
    (record,) = events(trace, "deadlock")
    assert record.detail[0] == ("main(2) waits to read pipe#1, whose write end is still open in main(2) fd 4",)
