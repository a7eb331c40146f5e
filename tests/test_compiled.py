"""The optional compiled kernel (mypyc, pyproject.toml's `mypyc` build hook) stays buildable,
and a build that says it is compiled really runs compiled code.

mypyc compiles only code that mypy accepts, so the pure-Python kernel must keep type-checking
for the compiled build to exist: the first test runs the hook's own mypy command on the
hook's own modules. CI builds the compiled kernel and runs the whole suite on it with
PROCDSL_EXPECT_COMPILED=1 (.ci/run)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import KERNEL_COMPILED, ROOT

tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11's tomllib")


def _hook() -> dict:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return data["tool"]["hatch"]["build"]["targets"]["wheel"]["hooks"]["mypyc"]


def _modules() -> list[str]:
    return [pattern.lstrip("/") for pattern in _hook()["include"]]


def test_the_hook_is_off_unless_asked_for() -> None:
    """A plain `pip install .` needs no compiler: the hook runs only when the environment enables it."""
    assert _hook()["enable-by-default"] is False


def test_the_compiled_modules_type_check() -> None:
    pytest.importorskip("mypy", reason="mypy (the test extra) is not installed")
    paths = _modules()
    assert paths and all((ROOT / path).is_file() for path in paths)
    done = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", *_hook()["mypy-args"], *paths],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(os.environ.get("PROCDSL_EXPECT_COMPILED") != "1",
                    reason="PROCDSL_EXPECT_COMPILED=1 is not set: this run tests whatever kernel is installed")
def test_the_kernel_runs_compiled_when_it_is_said_to() -> None:
    assert KERNEL_COMPILED
    for path in _modules():
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert Path(module.__file__).suffix != ".py", module.__file__
