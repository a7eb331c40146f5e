"""Load a .proc file and what it uses, check it, and compile each scenario to an event plan."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from procdsl import ir
from procdsl.compiler import ProgramCache, compile_scenario, scenario_labels
from procdsl.diagnostics import CompileError, Diagnostic
from procdsl.gcpause import paused_gc
from procdsl.parser import parse
from procdsl.plan import EventPlan
from procdsl.source import Source
from procdsl.validate import ProgramChecks, Validator


@dataclass
class Unit:
    """Everything one top-level file brings: its sources, programs and scenarios."""

    path: str
    sources: dict[str, Source] = field(default_factory=dict)
    files: list[ir.File] = field(default_factory=list)
    programs: dict[str, ir.Program] = field(default_factory=dict)
    scenarios: list[ir.Scenario] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    submission_files: list[str] = field(default_factory=list)


def read_source(path: str) -> Source:
    with open(path, encoding="utf-8") as fh:
        return Source(path, fh.read())


def parse_file(source: Source) -> ir.File:
    return parse(source)


def load(path: str, submission: Optional[Sequence[str]] = None) -> Unit:
    """Parse `path` and everything it uses; all problems land in `unit.diagnostics`."""
    unit = Unit(path=path)
    with paused_gc():
        _load_into(unit, path, chain=(), is_root=True, submission=submission)
    return unit


def _load_into(unit: Unit, path: str, chain: tuple[str, ...], is_root: bool,
               submission: Optional[Sequence[str]]) -> None:
    try:
        source = read_source(path)
    except OSError as err:
        unit.diagnostics.append(Diagnostic(f"cannot read {path}: {err.strerror or err}", None))
        return
    except UnicodeDecodeError:
        unit.diagnostics.append(Diagnostic(f"{path} is not UTF-8 text", None))
        return
    unit.sources[path] = source
    try:
        f = parse_file(source)
    except CompileError as err:
        unit.diagnostics.extend(err.diagnostics)
        return
    unit.files.append(f)
    here = Path(os.path.realpath(path)).parent
    for use in f.uses:
        if use.path is None:
            if submission is None:
                unit.diagnostics.append(Diagnostic(
                    "`use submission` needs a submission to bind", use.span,
                    hint="grade it: procdsl grade --tests THIS_FILE --submission FILE"))
                continue
            for sub in submission:
                unit.submission_files.append(sub)
                _load_into(unit, sub, chain + (os.path.realpath(path),), False, None)
            continue
        target = Path(os.path.realpath(here / use.path))      # a link may not lead outside
        if here not in target.parents:
            unit.diagnostics.append(Diagnostic(
                f"`use` may not leave the folder of {os.path.basename(path)}: {use.path}", use.span,
                hint="keep used files in this folder or below it"))
            continue
        if str(target) in chain + (os.path.realpath(path),):
            unit.diagnostics.append(Diagnostic(f"`use` cycle: {use.path} already uses this file", use.span,
                                               hint="move the shared programs into a third file"))
            continue
        if not target.is_file():
            unit.diagnostics.append(Diagnostic(f"no such file to use: {use.path}", use.span))
            continue
        rel = os.path.relpath(target)
        _load_into(unit, rel if not rel.startswith("..") else str(target),
                   chain + (os.path.realpath(path),), False, submission)
    for prog in f.programs:
        other = unit.programs.get(prog.name)
        if other is not None:
            unit.diagnostics.append(Diagnostic(f"program '{prog.name}' is defined twice", prog.name_span,
                                               notes=(f"first defined at {other.name_span}",)))
            continue
        unit.programs[prog.name] = prog
    if is_root:
        unit.scenarios.extend(f.scenarios)


@dataclass
class CompiledScenario:
    scenario: ir.Scenario
    plan: Optional[EventPlan]
    diagnostics: tuple[Diagnostic, ...]


class _SharedPrograms:
    """The file's own programs, checked and compiled once for all of its scenarios.

    A shared program's problems, code and fork labels do not depend on the scenario unless
    it execs a name only some scenarios define, or a scenario defines a program of the same
    name (then that scenario takes the general path)."""

    def __init__(self, programs: dict[str, ir.Program], checks: ProgramChecks, cache: ProgramCache,
                 open_labels: bool) -> None:
        self.programs = programs
        self.cache = cache
        self._codes: Optional[dict] = None
        self.labels = frozenset(label for p in programs.values() for label in cache.fork_labels(p))
        # Problems of the programs whose checks hold in every scenario, found once; the others
        # exec a name only some scenarios define and are checked per scenario.
        self.fixed_diagnostics: list[Diagnostic] = []
        self.per_scenario: list[ir.Program] = []
        for prog in programs.values():
            if all(t in programs for t in checks.exec_targets(prog)):
                for d in checks.diagnostics(prog, programs, open_labels):
                    if d not in self.fixed_diagnostics:
                        self.fixed_diagnostics.append(d)
            else:
                self.per_scenario.append(prog)

    def codes(self) -> dict:
        """Compiled on first use: only a program that passed its checks may be compiled."""
        if self._codes is None:
            self._codes = {name: self.cache.code(p) for name, p in self.programs.items()}
        return self._codes


def compile_scenarios(unit: Unit) -> list[CompiledScenario]:
    """Validate and compile each scenario on its own: one scenario's problems do not stop the others."""
    with paused_gc():
        return _compile_scenarios(unit)


def _compile_scenarios(unit: Unit) -> list[CompiledScenario]:
    out = []
    open_labels = bool(unit.submission_files)
    cache = ProgramCache()
    checks = ProgramChecks()
    shared = _SharedPrograms(unit.programs, checks, cache, open_labels)
    for sc in unit.scenarios:
        programs = dict(unit.programs)
        programs.update({p.name: p for p in sc.programs})
        check = Validator(programs, open_labels=open_labels)
        shadows = any(p.name in unit.programs for p in sc.programs)
        if shadows:
            to_check = list(programs.values())
            labels = scenario_labels(sc, programs, cache)
        else:
            check.diagnostics.extend(shared.fixed_diagnostics)
            to_check = shared.per_scenario + list(sc.programs)
            labels = scenario_labels(sc, {p.name: p for p in sc.programs}, cache) | shared.labels
        for prog in to_check:
            for diag in checks.diagnostics(prog, programs, open_labels):
                if diag not in check.diagnostics:
                    check.diagnostics.append(diag)
        check.scenario(sc, labels)
        plan = None
        if not check.diagnostics:
            codes = None
            if not shadows:
                codes = dict(shared.codes())
                codes.update((p.name, cache.code(p)) for p in sc.programs)
            plan = compile_scenario(unit.path, sc, programs, cache, codes, labels)
        out.append(CompiledScenario(sc, plan, tuple(check.diagnostics)))
    return out


def compile_unit(unit: Unit) -> list[EventPlan]:
    """Validate every scenario and compile it; raises CompileError with every problem found."""
    if unit.diagnostics:
        raise CompileError(_sorted(list(unit.diagnostics)))
    compiled = compile_scenarios(unit)
    diags: list[Diagnostic] = []
    for c in compiled:            # a problem in a shared program shows once, not once per scenario
        diags.extend(d for d in c.diagnostics if d not in diags)
    if diags:
        raise CompileError(_sorted(diags))
    return [c.plan for c in compiled if c.plan is not None]


def _sorted(diags: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diags, key=lambda d: (d.span.file, d.span.line, d.span.col) if d.span else ("", 0, 0))
