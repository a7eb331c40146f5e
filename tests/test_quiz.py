"""`procdsl quiz`: every kind, many seeds: the problem is a valid scenario, the solution passes, a wrong answer fails."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from helpers import ROOT, cli_main
from hypothesis import given, settings
from hypothesis import strategies as st

from procdsl.quiz import KINDS, exercise, problem, solution
from procdsl.quiz.exercise import render
from procdsl.quiz.solve import answers, check_text, compile_text

SEEDS = range(12)
STATES = ("running", "ready", "sleeping", "disk_wait", "stopped", "zombie", "reaped")


def wrong(answer):
    """A different answer of the same kind, which must make its expectation fail."""
    if isinstance(answer, list):                      # a ps table: one process's parent changed
        first = list(answer[-1])
        first[1] = str(int(first[1]) + 1)
        return answer[:-1] + [tuple(first)]
    if answer.startswith('"'):
        return answer[:-1] + 'x"'
    if answer in STATES:
        return next(s for s in STATES if s != answer)
    if answer in ("true", "false"):
        return "false" if answer == "true" else "true"
    m = re.fullmatch(r"(-?[0-9.]+)(ns|us|ms|s)", answer)
    if m:
        return f"{float(m.group(1)) + 1:g}{m.group(2)}"
    if re.fullmatch(r"-?[0-9]+", answer):
        return str(int(answer) + 1)
    return "init" if answer != "init" else "a"          # a process label


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_problems_parse_solutions_pass_and_wrong_answers_fail(kind: str) -> None:
    for seed in SEEDS:
        ex = exercise(kind, seed)
        text = render(ex)
        assert "expect" not in re.sub(r"#.*", "", text), "the problem leaves every expectation to the student"
        compile_text(text, "problem.proc")            # raises on any diagnostic
        right = answers(ex)
        solved = render(ex, right)
        assert solved == solution(ex)
        result = check_text(solved, "solution.proc")
        assert result.passed and len(result.expectations) == len(ex.questions), (kind, seed)
        for i in range(len(right)):
            bad = list(right)
            bad[i] = wrong(right[i])
            result = check_text(render(ex, bad), "wrong.proc")
            verdicts = [e.passed for e in result.expectations]
            assert verdicts == [j != i for j in range(len(right))], (kind, seed, i, bad[i])


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_student_fills_in_the_blanks_and_checks(kind: str, tmp_path) -> None:
    """The documented way: replace each ? and uncomment the expectation; `procdsl check` judges it."""
    ex = exercise(kind, 7)
    right = answers(ex)
    text = render(ex)
    for i, answer in enumerate(right):
        q = ex.questions[i]
        if q.table:
            rows = "\n".join("    " + "  ".join(r) for r in [q.table, *answer])
            n = i + 1
            text = re.sub(rf'  # expect "Q{n}" ps(.*)\{{\n(  #.*\n)+?  # \}}',
                          lambda m, rows=rows, n=n: f'  expect "Q{n}" ps{m.group(1)}{{\n{rows}\n  }}', text)
        else:
            text = text.replace(f'  # expect "Q{i + 1}" {q.lhs} == ?', f'  expect "Q{i + 1}" {q.lhs} == {answer}')
    path = tmp_path / "answer.proc"
    path.write_text(text, encoding="utf-8")
    code, out, _ = cli_main(["check", "-v", str(path)])
    assert code == 0 and out.count(" ok ") == len(ex.questions), out


ALL = ("import sys\nfrom procdsl.quiz import KINDS, exercise, problem, solution\n"
       "for kind in KINDS:\n"
       "    for seed in (0, 5, 2**40 + 3, -9):\n"
       "        sys.stdout.write(problem(kind, seed) + solution(exercise(kind, seed)))\n")


def test_same_seed_same_bytes_in_any_interpreter() -> None:
    """Problems and solutions come out byte for byte the same whatever the string hashing."""
    runs = []
    for hashseed in ("0", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=hashseed)
        proc = subprocess.run([sys.executable, "-c", ALL], capture_output=True, env=env, cwd=ROOT, timeout=120)
        assert proc.returncode == 0, proc.stderr
        runs.append(proc.stdout)
    assert runs[0] == runs[1]
    assert runs[0].decode().startswith(problem("fork", 0))


def test_different_seeds_give_different_problems() -> None:
    for kind in KINDS:
        assert len({problem(kind, s) for s in range(20)}) >= 15, kind


@settings(max_examples=40, deadline=None)
@given(kind=st.sampled_from(sorted(KINDS)), seed=st.integers(-2**63, 2**63 - 1))
def test_any_seed_gives_a_solvable_exercise(kind: str, seed: int) -> None:
    assert check_text(solution(exercise(kind, seed)), "s.proc").passed


def test_the_command_line() -> None:
    code, out, _ = cli_main(["quiz", "--list"])
    assert code == 0 and all(k in out for k in KINDS) and "OSTEP ch. 8" in out
    code, _, err = cli_main(["quiz", "forks"])
    assert code == 2 and "no kind 'forks'" in err and "fork, sched" in err
    code, out, _ = cli_main(["quiz", "sched", "-s", "3"])
    assert code == 0 and out == problem("sched", 3) and "procdsl quiz sched -s 3 -c" in out
    code, out, _ = cli_main(["quiz", "sched", "-s", "3", "-c"])
    assert code == 0 and out == solution(exercise("sched", 3))
    code, _, err = cli_main(["quiz", "fork", "-s", str(2**64)])
    assert code == 2 and "64 bits" in err
