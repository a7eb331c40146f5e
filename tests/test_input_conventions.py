"""What a newcomer's shell and editor hand procdsl: `-` for standard input, non-UTF-8 files,
deep nesting, NO_COLOR and FORCE_COLOR, odd `--scenario` values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, cli_main, write_proc

GOOD = """
scenario "from standard input" {
  program main {
    print "hello"
  }
  run main
  expect output == "hello\\n"
}
"""
BROKEN = """
scenario "broken" {
  program main {
    compte 1ms
  }
  run main
}
"""


def procdsl(args: list[str], stdin: bytes, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "procdsl", *args], input=stdin, capture_output=True,
                          timeout=60, cwd=cwd, env={**os.environ, "NO_COLOR": "1", **(env or {}),
                                                    "PYTHONPATH": str(ROOT)})


@pytest.mark.parametrize("args, shows", [
    (["check", "-"], b"PASS <stdin>: from standard input"),
    (["run", "-"], b"# from standard input"),
    (["compile", "-"], b'"file": "<stdin>"'),
    (["stats", "-"], b"main"),
    (["compare", "-", "--schedulers", "fifo,rr"], b"fifo"),
])
def test_dash_reads_the_file_from_standard_input(tmp_path: Path, args: list[str], shows: bytes) -> None:
    done = procdsl(args, GOOD.encode(), tmp_path)
    assert done.returncode == 0, done.stderr
    assert shows in done.stdout


def test_a_diagnostic_in_standard_input_names_it_stdin(tmp_path: Path) -> None:
    done = procdsl(["check", "-"], BROKEN.encode(), tmp_path)
    assert done.returncode == 2
    assert b"<stdin>:4:5: error: unknown statement 'compte'" in done.stderr


def test_use_from_standard_input_is_relative_to_the_current_folder(tmp_path: Path) -> None:
    write_proc(tmp_path, 'program helper {\n  print "helped"\n}\n', "lib.proc")
    text = 'use "lib.proc"\nscenario "s" {\n  program main {\n    exec helper\n  }\n  run main\n' \
           '  expect output == "helped\\n"\n}\n'
    done = procdsl(["check", "-"], text.encode(), tmp_path)
    assert done.returncode == 0, done.stderr
    assert b"PASS <stdin>: s" in done.stdout


def test_standard_input_named_twice_is_read_once(tmp_path: Path) -> None:
    done = procdsl(["check", "-", "-"], GOOD.encode(), tmp_path)
    assert done.stdout.endswith(b"1 passed, 0 failed\n"), done.stdout


@pytest.mark.parametrize("data, where, byte", [
    (b'scenario "s" {\n  program a {\n    print "h\xc3\xa9llo \xff"\n  }\n  run a\n}\n', "3:18", "0xff"),
    (b'scenario "s" {\n  program a {\n  }\n  run a\n}\n\xe9t\xe9', "6:1", "0xe9"),
    (b'\xfe\xffscenario', "1:1", "0xfe"),
])
def test_a_file_that_is_not_utf8_gets_the_position_of_its_first_bad_byte(tmp_path: Path, data: bytes,
                                                                         where: str, byte: str) -> None:
    path = tmp_path / "latin1.proc"
    path.write_bytes(data)
    code, _, err = cli_main(["check", str(path)])
    assert code == 2
    assert f"{path}:{where}: error: this file is not UTF-8 text: byte {byte} cannot be read" in err
    assert "help: save the file as UTF-8" in err


def test_a_utf8_byte_order_mark_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "bom.proc"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.lstrip().encode())
    code, out, err = cli_main(["check", str(path)])
    assert code == 0, err


@pytest.mark.parametrize("nested", [
    "    x = " + "+".join(["1"] * 5000),
    "    if true {\n" * 5000 + "    print 1\n" + "    }\n" * 5000,
    "    x = " + "[" * 5000 + "1" + "]" * 5000,
    '    print "{' + "-" * 5000 + '1}"',
])
def test_nesting_too_deep_is_a_diagnostic_with_a_position(tmp_path: Path, nested: str) -> None:
    path = write_proc(tmp_path, 'scenario "s" {\n  program a {\n' + nested + "\n  }\n  run a\n}\n")
    for command in ("check", "compile"):
        code, _, err = cli_main([command, str(path)])
        assert code == 2
        assert f"{path}:" in err and ": error: nesting too deep: procdsl reads at most 200 levels" in err, err


def test_nesting_just_within_the_bound_compiles_and_runs(tmp_path: Path) -> None:
    path = write_proc(tmp_path, 'scenario "s" {\n  program a {\n    x = ' + "+".join(["1"] * 197)
                      + '\n    print x\n  }\n  run a\n  expect output == "197\\n"\n}\n')
    for command in ("check", "compile", "run"):
        code, _, err = cli_main([command, str(path)])
        assert code == 0, err


@pytest.mark.parametrize("env, colored", [
    ({"NO_COLOR": "", "FORCE_COLOR": "1"}, True),        # an empty NO_COLOR does not count
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
    ({"NO_COLOR": "0", "FORCE_COLOR": "1"}, False),       # any non-empty value does
    ({"FORCE_COLOR": ""}, False),                          # an empty FORCE_COLOR does not count either
])
def test_no_color_and_force_color_count_only_when_not_empty(tmp_path: Path, env: dict, colored: bool) -> None:
    path = write_proc(tmp_path, BROKEN)
    saved = {k: os.environ.pop(k) for k in ("NO_COLOR", "FORCE_COLOR") if k in os.environ}
    try:
        _, _, err = cli_main(["check", str(path)], env=env)
    finally:
        os.environ.update(saved)
    assert ("\x1b[" in err) is colored


@pytest.mark.parametrize("which", ["²", "٣", "0", "99", "no such title"])
def test_a_scenario_that_is_not_there_is_a_clear_error(tmp_path: Path, which: str) -> None:
    path = write_proc(tmp_path, GOOD)
    for command in ("run", "stats"):
        code, out, err = cli_main([command, str(path), "--scenario", which])
        assert code == 2
        assert "internal error" not in err
        assert f"{which!r}" in err
