"""No input gets a traceback, and runaway scenarios stop quickly at a limit that the verdict names."""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, SCENARIOS, SPEC_EXAMPLES, cli_main, write_proc

SEED = 20240601
MUTANTS_PER_FILE = 6
INPUTS = sorted(SPEC_EXAMPLES.glob("*.proc")) + sorted(SCENARIOS.glob("*.proc"))


def mutate(text: str, rng: random.Random) -> str:
    """One random edit of the kinds a person makes: lose or repeat a character or a line, stop early."""
    kind = rng.choice(["drop_char", "dup_char", "drop_line", "dup_line", "truncate", "swap_lines"])
    if not text:
        return text
    if kind in ("drop_char", "dup_char"):
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(text))
            text = text[:i] + text[i + 1:] if kind == "drop_char" else text[:i] + text[i] + text[i:]
        return text
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    if kind == "drop_line":
        del lines[i]
    elif kind == "dup_line":
        lines.insert(i, lines[i])
    elif kind == "swap_lines":
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    else:
        return text[: rng.randrange(len(text))]
    return "\n".join(lines)


def mutants() -> list:
    rng = random.Random(SEED)
    out = []
    for path in INPUTS:
        text = path.read_text(encoding="utf-8")
        for n in range(MUTANTS_PER_FILE):
            out.append(pytest.param(path.name, mutate(text, rng), id=f"{path.stem}-{n}"))
    return out


@pytest.mark.parametrize("name, text", mutants())
def test_mutated_input_never_gets_a_traceback(tmp_path: Path, name: str, text: str) -> None:
    path = write_proc(tmp_path, text, name)
    code, out, err = cli_main(["check", str(path)])
    assert code in (0, 1, 2), f"exit status {code}"
    assert "Traceback" not in out + err
    assert "internal error" not in out + err, f"procdsl failed on this input:\n{text}\n---\n{err}{out}"


@pytest.mark.parametrize("text", ["", "\n", "}", "{", '"', "scenario", 'scenario "', "\x00", "use", "# only\n",
                                  'scenario "s" { run }', 'scenario "s" { machine { cpus } }',
                                  "program p { fork fork }", "program p { x = ((((((((((((1)))))))))))) }",
                                  "program p { x = " + "(" * 500 + "1" + ")" * 500 + " }",
                                  "program p { " + "if 1 == 1 { " * 200 + "}" * 200 + " }",
                                  'scenario "s" { program p { print "{' + "{" * 50 + '" } run p }'])
def test_odd_inputs_never_get_a_traceback(tmp_path: Path, text: str) -> None:
    code, out, err = cli_main(["check", str(write_proc(tmp_path, text))])
    assert code in (0, 1, 2)
    assert "Traceback" not in out + err and "internal error" not in out + err, err


RUNAWAYS = {
    "fork_bomb": ("loop {\n      fork\n    }", "max_processes"),
    "empty_loop": ("loop { }", "max_events"),
    "huge_repeat": ("repeat 1000000000 {\n      x = 1\n    }", "max_events"),
    "refaulting_sigfpe_handler": ("on SIGFPE {\n      x = 1\n    }\n    x = 1 / 0", "max_events"),
    "output_flood": ('s = "x" * 1048575\n    loop {\n      print s\n    }', "max_output"),
    "long_compute": ("compute 100000s", "time limit"),
    "long_sleep": ("sleep 10000s", "time limit"),
}
SLOW: dict[str, str] = {}      # runaways known to take too long: name -> why
# "A few seconds" of CPU time, a fresh interpreter included (the others take about 2 s). CPU time, not
# wall time, so that a busy machine does not fail the test; the wall limit only stops a hung run.
CPU_LIMIT_S = 5
WALL_LIMIT_S = 60


def child_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.mark.parametrize("name", [pytest.param(n, marks=[pytest.mark.xfail(strict=True, reason=SLOW[n])]
                                               if n in SLOW else []) for n in RUNAWAYS])
def test_runaway_scenario_stops_quickly_and_names_the_limit(tmp_path: Path, name: str) -> None:
    body, limit = RUNAWAYS[name]
    path = write_proc(tmp_path, f'scenario "{name}" {{\n  program main {{\n    {body}\n  }}\n  run main\n}}\n')
    before = child_cpu_seconds()
    wall = 2 * CPU_LIMIT_S if name in SLOW else WALL_LIMIT_S     # no need to wait for a known-slow run
    try:
        proc = subprocess.run([sys.executable, "-m", "procdsl", "check", "-v", str(path)], capture_output=True,
                              text=True, timeout=wall, cwd=ROOT, env={**os.environ, "NO_COLOR": "1"})
    except subprocess.TimeoutExpired:
        pytest.fail(f"{name} still running after {wall} s")
    used = child_cpu_seconds() - before
    assert "Traceback" not in proc.stdout + proc.stderr
    assert limit in proc.stdout, proc.stdout
    if limit.startswith("max_"):
        # a limit hit is a failed run, named with how to raise it
        assert proc.returncode == 1
        assert f"machine {{ {limit} N }}" in proc.stdout
    else:
        # the default 60 s stop is a normal end (LANGUAGE.md, `until`): reported, not failed
        assert proc.returncode == 0
        assert "(run ended: time limit at 60000.000000ms)" in proc.stdout
    assert used < CPU_LIMIT_S, f"{name} took {used:.1f} s of CPU time"
