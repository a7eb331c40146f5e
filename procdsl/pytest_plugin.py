"""A pytest plugin: each scenario of a .proc file is a test item; a failure shows the checker's explanation.

Loaded automatically when procdsl is installed (entry point `pytest11`), so it collects
.proc files only where asked: under a path given explicitly on the command line
(`pytest scenarios/`, `pytest examples/fork.proc`), or matching a glob in the ini option
`procdsl_paths`. A plain `pytest` that walks `testpaths` therefore never turns a
project's error fixtures (.proc files that are meant not to compile) into failing tests.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

import pytest


def pytest_addoption(parser) -> None:
    group = parser.getgroup("procdsl")
    group.addoption("--proc-submission", action="append", metavar="FILE", default=None,
                    help="bind `use submission` in collected .proc files to FILE (repeatable)")
    group.addoption("--proc-seed", type=int, default=None, help="override every scenario's machine seed")
    parser.addini("procdsl_paths", type="linelist", default=[],
                  help="globs (relative to the rootdir) of .proc files to collect even when not named on the "
                       "command line")


def _explicit(config) -> list[Path]:
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return []
    base = Path(config.invocation_params.dir)
    return [(base / arg.split("::")[0]).resolve() for arg in config.args]


def _wanted(file_path: Path, config) -> bool:
    path = file_path.resolve()
    for arg in _explicit(config):
        if path == arg or arg in path.parents:
            return True
    rel = os.path.relpath(path, config.rootpath).replace(os.sep, "/")
    return any(fnmatch.fnmatch(rel, pattern) for pattern in config.getini("procdsl_paths"))


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix == ".proc" and _wanted(file_path, parent.config):
        return ProcFile.from_parent(parent, path=file_path)
    return None


class ProcFile(pytest.File):
    def collect(self):
        from procdsl.lang.load import load
        from procdsl.lang.render import render_all
        from procdsl.pipeline import compile_scenarios
        submission = self.config.getoption("--proc-submission")
        # Paths relative to the invocation folder, as `procdsl check` names them.
        path = os.path.relpath(self.path, self.config.invocation_params.dir)
        try:
            unit = load(path, submission)
            compiled_all = [] if unit.diagnostics else compile_scenarios(unit)
        except Exception as exc:  # noqa: BLE001 - a procdsl bug on one file must not stop collection
            yield ScenarioItem.from_parent(self, name="<compile>", plan=None, line=0,
                                           problem=f"internal error in procdsl while compiling {path} "
                                                   f"({type(exc).__name__}: {exc}); please report it")
            return
        if unit.diagnostics:
            yield ScenarioItem.from_parent(self, name="<compile>", plan=None, line=0,
                                           problem=render_all(tuple(unit.diagnostics), unit.sources))
            return
        for compiled in compiled_all:
            sc = compiled.scenario
            problem = render_all(compiled.diagnostics, unit.sources) if compiled.plan is None else ""
            yield ScenarioItem.from_parent(self, name=sc.title, plan=compiled.plan, line=sc.span.line,
                                           problem=problem or ("" if compiled.plan else "could not be compiled"))


class ScenarioFailed(Exception):
    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class ScenarioItem(pytest.Item):
    def __init__(self, *, plan, line: int, problem: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.plan, self.line, self.problem = plan, line, problem

    def runtest(self) -> None:
        if self.plan is None:
            raise ScenarioFailed(self.problem.splitlines())
        from procdsl.explore.search import Bounds
        from procdsl.pipeline import run_scenario
        from procdsl.report.text import scenario_lines
        # as `procdsl check`: expectations over every schedule are judged on an exploration
        result = run_scenario(self.plan, self.config.getoption("--proc-seed"), None, Bounds())
        if not result.passed:
            raise ScenarioFailed(list(scenario_lines(result, color=False, verbose=False)))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ScenarioFailed):
            return "\n".join(excinfo.value.lines)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, max(0, self.line - 1), f"scenario: {self.name}"
