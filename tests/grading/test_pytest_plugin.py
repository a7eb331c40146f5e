"""The pytest plugin: scenarios become items where asked, and error fixtures elsewhere stay untouched."""

from __future__ import annotations

import subprocess
import sys

PASSING = """program main {
  fork child {
    exit 3
  }
  wait
}

scenario "the child exits 3" {
  run main
  expect exit_code(child) == 3
}
"""

FAILING = """program parent {
  fork child {
    exit 0
  }
  sleep 50ms
}

scenario "a zombie nobody reaps" {
  run parent
  expect reaper(child) == parent
}
"""

BROKEN = "program oops {\n  fork {\n"


def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "ok.proc").write_text(PASSING)
    (tmp_path / "scenarios" / "zombie.proc").write_text(FAILING)
    (tmp_path / "tests" / "errors").mkdir(parents=True)
    (tmp_path / "tests" / "errors" / "broken.proc").write_text(BROKEN)
    (tmp_path / "tests" / "test_nothing.py").write_text("def test_ok():\n    pass\n")
    return tmp_path


def pytest_in(folder, *args):
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=folder,
                          capture_output=True, text=True, timeout=120)


def test_scenarios_named_on_the_command_line_are_items(tmp_path):
    done = pytest_in(project(tmp_path), "scenarios", "-v")
    assert "ok.proc::the child exits 3 PASSED" in done.stdout
    assert "zombie.proc::a zombie nobody reaps FAILED" in done.stdout
    assert "1 failed, 1 passed" in done.stdout
    # the failure shows what the checker explains, not a Python traceback
    assert "expect reaper(child) == parent" in done.stdout
    assert "Traceback" not in done.stdout
    assert done.returncode == 1


def test_plain_pytest_leaves_proc_fixtures_alone(tmp_path):
    done = pytest_in(project(tmp_path))
    assert done.returncode == 0, done.stdout
    assert "1 passed" in done.stdout and "broken" not in done.stdout


def test_ini_globs_opt_in(tmp_path):
    root = project(tmp_path)
    (root / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests", "scenarios"]\n'
                                         'procdsl_paths = ["scenarios/ok.proc"]\n')
    done = pytest_in(root)
    assert "2 passed" in done.stdout, done.stdout       # test_nothing.py and ok.proc, not zombie.proc


def test_a_file_that_does_not_compile_is_one_failing_item(tmp_path):
    done = pytest_in(project(tmp_path), "tests/errors/broken.proc")
    assert done.returncode == 1
    assert "tests/errors/broken.proc:2:8: error:" in done.stdout
