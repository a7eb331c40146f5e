"""Helpers for the tests: run .proc text through procdsl in-process and look at what came out."""

from __future__ import annotations

import contextlib
import io
import os
import textwrap
from pathlib import Path
from typing import Optional, Sequence

import pytest

from procdsl import cli
from procdsl.check.checker import ScenarioResult, check
from procdsl.check.model import Model
from procdsl.core.events import Trace, TraceEvent
from procdsl.kernel import loop as kernel_loop
from procdsl.kernel import run_plan
from procdsl.lang.render import render_all
from procdsl.pipeline import compile_path
from procdsl.plan import EventPlan

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
GOLDEN = TESTS / "golden"
SHARED = ROOT.parent / "shared"
SPEC_EXAMPLES = SHARED / "spec" / "examples"
SCENARIOS = ROOT / "scenarios"

# The kernel as built with mypyc (pyproject.toml, docs/performance.md): its classes are native,
# so a test cannot subclass Kernel or patch its methods. Such tests check procdsl's own Python
# (a shortcut against the long way, which kernels a command makes); they run on the pure-Python
# install, which CI tests first, and are skipped on the compiled one.
KERNEL_COMPILED = Path(kernel_loop.__file__).suffix != ".py"
interpreted_kernel = pytest.mark.skipif(KERNEL_COMPILED, reason="the kernel is compiled (mypyc): its classes cannot be "
                                                              "subclassed or patched; the pure-Python run covers this")

UPDATE_HINT = "pytest tests/{test} --update-goldens"


def write_proc(tmp_path: Path, text: str, name: str = "t.proc") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def compile_text(tmp_path: Path, text: str) -> list[EventPlan]:
    """Compile a source that must be valid; a diagnostic fails the test with its rendering."""
    path = write_proc(tmp_path, text)
    unit, plans, diags = compile_path(str(path))
    assert not diags, "the test source did not compile:\n" + render_all(tuple(diags), unit.sources)
    return plans


def diagnostics_of(tmp_path: Path, text: str) -> list[str]:
    """`LINE:COL: message` of every diagnostic a source gets (it must get at least one)."""
    path = write_proc(tmp_path, text)
    _, _, diags = compile_path(str(path))
    assert diags, "the source compiled, but a diagnostic was expected"
    return [f"{d.span.line}:{d.span.col}: {d.message}" if d.span else d.message for d in diags]


def run_text(tmp_path: Path, text: str, seed: Optional[int] = None, scenario: int = 0) -> Trace:
    return run_plan(compile_text(tmp_path, text)[scenario], seed)


def model_of(tmp_path: Path, text: str, seed: Optional[int] = None) -> Model:
    return Model(run_text(tmp_path, text, seed))


def check_text(tmp_path: Path, text: str, seed: Optional[int] = None) -> list[ScenarioResult]:
    return [check(plan, run_plan(plan, seed)) for plan in compile_text(tmp_path, text)]


def failures(result: ScenarioResult) -> str:
    lines = [result.note] if result.note else []
    for e in result.expectations:
        if not e.passed:
            lines.append(f"line {e.span.line}: expect {e.text}: {e.message}")
            lines.extend("    | " + x for x in e.explanation)
    return "\n".join(lines)


def assert_passes(tmp_path: Path, text: str, seed: Optional[int] = None) -> list[ScenarioResult]:
    results = check_text(tmp_path, text, seed)
    for r in results:
        assert r.passed, f"scenario {r.title!r} failed:\n{failures(r)}"
    return results


def events(trace: Trace, kind: Optional[str] = None, pid: Optional[int] = None) -> list[TraceEvent]:
    return [e for e in trace.events if (kind is None or e.kind == kind) and (pid is None or e.pid == pid)]


def pid_of(trace: Trace, name: str) -> int:
    """The PID whose label (as the trace names it: `worker`, `worker[1]`) is `name`."""
    found = [pid for pid, label in trace.labels.items() if label == name]
    assert len(found) == 1, f"no single process named {name!r} in {sorted(trace.labels.values())}"
    return found[0]


def output(trace: Trace) -> str:
    return "".join(e.detail[1] for e in trace.events if e.kind == "output")


def cli_main(argv: Sequence[str], env: Optional[dict] = None) -> tuple[int, str, str]:
    """procdsl.cli.main in-process: (exit status, stdout, stderr); NO_COLOR unless env says otherwise."""
    out, err = io.StringIO(), io.StringIO()
    saved = dict(os.environ)
    os.environ.update({"NO_COLOR": "1"} if env is None else env)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(list(argv))
            except SystemExit as stop:       # argparse's --help and usage errors
                code = stop.code if isinstance(stop.code, int) else 0
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return code, out.getvalue(), err.getvalue()


def compare_golden(path: Path, actual: str, update: bool, test_file: str) -> None:
    """Compare with a reviewed golden file, or rewrite it under --update-goldens."""
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != actual:
            path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"no golden file {path.relative_to(ROOT)}: create it with "
                    f"`{UPDATE_HINT.format(test=test_file)}`, then review it", pytrace=False)
    expected = path.read_text(encoding="utf-8")
    if expected != actual:
        import difflib
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            str(path.relative_to(ROOT)), "procdsl now", n=2))
        pytest.fail(f"output differs from {path.relative_to(ROOT)} (if the change is intended, run "
                    f"`{UPDATE_HINT.format(test=test_file)}` and review the diff):\n{diff[:6000]}", pytrace=False)


def scenario_catches_its_bug(name: str, break_kernel, monkeypatch) -> None:
    """scenarios/NAME.proc passes on the real kernel and has a failing scenario once
    `break_kernel(monkeypatch)` has swapped a rule of the kernel for a wrong one."""
    from procdsl.pipeline import check_path

    def passed() -> list[bool]:
        result = check_path(str(SCENARIOS / f"{name}.proc"))
        assert not result.diagnostics
        return [s.passed for s in result.scenarios]
    assert all(passed()), f"{name} must pass on the real kernel"
    break_kernel(monkeypatch)
    assert not all(passed()), f"{name} did not notice the broken rule"
