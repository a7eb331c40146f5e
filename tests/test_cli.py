"""The command line: exit statuses, the closing summary line, help, colour, output formats, bad paths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, cli_main, write_proc

PASSING = 'scenario "ok" {\n  program p { compute 1ms }\n  run p\n  expect exit_code(p) == 0\n}\n'
FAILING = 'scenario "bad" {\n  program p { exit 2 }\n  run p\n  expect exit_code(p) == 0\n}\n'
BROKEN = 'scenario "broken" {\n  program p { compte 1ms }\n  run p\n}\n'


def test_check_exit_0_when_everything_passes(tmp_path: Path) -> None:
    code, out, err = cli_main(["check", str(write_proc(tmp_path, PASSING))])
    assert code == 0, err
    assert out.splitlines()[-1] == "1 passed, 0 failed"


def test_check_exit_1_when_an_expectation_fails(tmp_path: Path) -> None:
    path = write_proc(tmp_path, FAILING)
    code, out, _ = cli_main(["check", str(path)])
    assert code == 1
    assert out.splitlines()[-1] == "0 passed, 1 failed"
    assert f"{path}:4:3:" in out and "but it is 2" in out


def test_check_exit_2_when_a_file_does_not_compile(tmp_path: Path) -> None:
    path = write_proc(tmp_path, BROKEN)
    code, out, err = cli_main(["check", str(path)])
    assert code == 2
    assert f"{path}:2:15: error: unknown statement 'compte' (did you mean 'compute'?)" in err
    assert out.splitlines()[-1] == "0 passed, 0 failed"


def test_check_a_folder_counts_every_scenario(tmp_path: Path) -> None:
    write_proc(tmp_path, PASSING, "a.proc")
    write_proc(tmp_path, FAILING, "b.proc")
    (tmp_path / "sub").mkdir()
    write_proc(tmp_path / "sub", PASSING + PASSING.replace('"ok"', '"ok again"'), "c.proc")
    (tmp_path / "notes.txt").write_text("not a scenario")
    code, out, _ = cli_main(["check", str(tmp_path)])
    assert code == 1
    assert out.splitlines()[-1] == "3 passed, 1 failed"


def test_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    write_proc(tmp_path, PASSING, "a.proc")
    write_proc(tmp_path, BROKEN, "b.proc")
    code, out, _ = cli_main(["check", str(tmp_path)])
    assert code == 2
    assert "PASS" in out and out.splitlines()[-1] == "1 passed, 0 failed"


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.proc"
    for command in (["check"], ["run"], ["compile"]):
        code, out, err = cli_main(command + [str(missing)])
        assert code == 2, command
        assert str(missing) in err and "Traceback" not in out + err


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.proc"
    path.write_bytes(b'scenario "caf\xe9" {\n}\n')
    code, out, err = cli_main(["check", str(path)])
    assert code == 2
    assert "not UTF-8" in err and "Traceback" not in out + err


@pytest.mark.parametrize("command", [[], ["check"], ["run"], ["compile"]])
def test_help(command: list[str]) -> None:
    code, out, _ = cli_main(command + ["--help"])
    assert code == 0
    assert out.startswith("usage: procdsl")


def test_help_on_every_registered_command() -> None:
    from procdsl.cli.main import build_parser
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        code, out, _ = cli_main([name, "--help"])
        assert code == 0 and f"usage: procdsl {name}" in out, name


def test_no_command_prints_help_and_exits_2() -> None:
    code, out, _ = cli_main([])
    assert code == 2 and "usage:" in out


def test_unknown_option_exits_2() -> None:
    code, _, err = cli_main(["check", "--frobnicate", "x.proc"])
    assert code == 2 and "procdsl: error:" in err


def test_no_color_is_respected(tmp_path: Path) -> None:
    path = str(write_proc(tmp_path, FAILING))
    _, out, _ = cli_main(["check", path], env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert "\x1b[" not in out
    saved = os.environ.pop("NO_COLOR", None)
    try:
        _, colored, _ = cli_main(["check", path], env={"FORCE_COLOR": "1"})
    finally:
        if saved is not None:
            os.environ["NO_COLOR"] = saved
    assert "\x1b[" in colored


def test_run_text_trace(tmp_path: Path) -> None:
    code, out, _ = cli_main(["run", str(write_proc(tmp_path, PASSING))])
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "# ok"
    assert lines[1].split() == ["TIME", "CPU", "PID", "LABEL", "EVENT", "DETAIL"]
    assert lines[-1].split()[-1] == "done"


def test_run_jsonl_parses(tmp_path: Path) -> None:
    code, out, _ = cli_main(["run", "--format", "jsonl", str(write_proc(tmp_path, PASSING))])
    assert code == 0
    head, *records = [json.loads(line) for line in out.splitlines()]
    assert head["kind"] == "header" and head["title"] == "ok" and head["schema_version"] == 1
    assert records and all({"time", "cpu", "pid", "kind"} <= set(r) for r in records)
    assert all(isinstance(r["time"], int) for r in records)
    assert [r["time"] for r in records] == sorted(r["time"] for r in records)
    assert records[-1] == {"time": records[-1]["time"], "cpu": None, "pid": None, "kind": "end", "reason": "done"}


def test_run_seed_and_scenario_selection(tmp_path: Path) -> None:
    path = str(write_proc(tmp_path, PASSING + PASSING.replace('"ok"', '"second"')))
    code, out, _ = cli_main(["run", "--scenario", "2", path])
    assert code == 0 and out.startswith("# second\n") and "# ok" not in out
    code, out, _ = cli_main(["run", "--scenario", "ok", "--seed", "9", path])
    assert code == 0 and out.startswith("# ok\n")
    code, _, err = cli_main(["run", "--scenario", "7", path])
    assert code == 2 and "no scenario" in err


def test_run_and_compile_a_broken_file_exit_2(tmp_path: Path) -> None:
    path = str(write_proc(tmp_path, BROKEN))
    for command in ("run", "compile"):
        code, out, err = cli_main([command, path])
        assert code == 2 and ": error: unknown statement" in err and out == ""


def test_compile_prints_json(tmp_path: Path) -> None:
    code, out, _ = cli_main(["compile", str(write_proc(tmp_path, PASSING))])
    assert code == 0
    (plan,) = json.loads(out)
    assert plan["title"] == "ok" and plan["machine"]["cpus"] == 1


def test_a_run_stopped_at_a_limit_exits_1(tmp_path: Path) -> None:
    path = write_proc(tmp_path, 'scenario "r" {\n  machine { max_events 500 }\n  program p { loop { compute 1us } }\n'
                                '  run p\n}\n')
    code, out, _ = cli_main(["check", str(path)])
    assert code == 1 and "max_events" in out


def test_installed_entry_point_runs() -> None:
    """The console script and `python -m procdsl` both reach the same main."""
    proc = subprocess.run([sys.executable, "-m", "procdsl", "--version"], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("procdsl ")


def test_a_missing_dependency_is_told_how_to_install_not_called_a_bug(tmp_path: Path) -> None:
    # an interpreter that can import procdsl's source but not lark: as `python3 -m procdsl` from a clone
    path = write_proc(tmp_path, 'scenario "s" {\n  program main {\n    exit 0\n  }\n  run main\n}\n')
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\nclass _No:\n    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'lark' or name.startswith('lark.'):\n"
        "            raise ModuleNotFoundError(\"No module named 'lark'\", name='lark')\n"
        "sys.meta_path.insert(0, _No())\n")
    env = {**os.environ, "PYTHONPATH": f"{blocker}{os.pathsep}{ROOT}", "PROCDSL_DEBUG": ""}
    proc = subprocess.run([sys.executable, "-m", "procdsl", "check", str(path)], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 2
    assert "the Python package 'lark' is not installed" in proc.stderr and "pip install" in proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
