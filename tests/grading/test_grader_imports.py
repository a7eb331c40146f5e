"""The grader reads what its workers answer without loading the front end or the checker: those run in the workers."""

from __future__ import annotations

import pickle
import subprocess
import sys

from procdsl.grading.jobs import Job, Prepared
from procdsl.grading.result import Scenario


def test_the_grader_loads_neither_lark_nor_the_checker() -> None:
    answer = pickle.dumps(Prepared(True, 17, jobs=(Job(Scenario(name="s", file="t.proc", line=1, status="failed"), 0, 1),)))
    code = ("import pickle, sys, procdsl.grading.batch, procdsl.cli.grade\n"
            f"pickle.loads({answer!r})\n"
            "print(sorted(m for m in sys.modules if m == 'lark' or m.startswith(('procdsl.check', 'procdsl.lang', "
            "'procdsl.kernel', 'procdsl.pipeline'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd="/")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
