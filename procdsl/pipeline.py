"""The orchestrator: file -> IR -> validated, compiled plans -> runs -> results; each scenario isolated."""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from procdsl import ir
from procdsl.check import needs
from procdsl.check.checker import ScenarioResult, check
from procdsl.check.model import Model
from procdsl.check.monitor import Feed, TraceWanted, checked_live
from procdsl.core.gcpause import paused_gc
from procdsl.kernel import run_plan
from procdsl.kernel.loop import Kernel
from procdsl.lang.diagnostics import CompileError, Diagnostic
from procdsl.lang.load import STDIN, Unit, load
from procdsl.lang.source import Source
from procdsl.lang.validate import ProgramChecks, Validator
from procdsl.plan import EventPlan
from procdsl.plan.compiler import ProgramCache, compile_scenario, scenario_labels


@dataclass
class FileResult:
    path: str
    sources: dict[str, Source] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()
    scenarios: list[ScenarioResult] = field(default_factory=list)
    unit: Optional[Unit] = None

    @property
    def compiled(self) -> bool:
        return not self.diagnostics


def compile_path(path: str, submission: Optional[Sequence[str]] = None) -> tuple[Unit, list[EventPlan], tuple]:
    """Front end for one file; a procdsl bug on odd input becomes a diagnostic, not a traceback."""
    unit = Unit(path=path)
    try:
        unit = load(path, submission)
        return unit, compile_unit(unit), ()
    except CompileError as err:
        return unit, [], err.diagnostics
    except RecursionError:
        return unit, [], (Diagnostic(f"{path}: nesting too deep for procdsl to read", None),)
    except ModuleNotFoundError:
        raise          # a dependency missing (Lark is imported only when first needed) is no odd input
    except Exception as exc:  # noqa: BLE001
        return unit, [], (Diagnostic(f"internal error in procdsl while compiling {path} ({type(exc).__name__}: "
                                     f"{exc}); please report it with this file", None),)


def run_scenario(plan: EventPlan, seed: Optional[int] = None, schedule: Optional[tuple] = None,
                 explore: Optional[Any] = None, keep_trace: bool = False) -> ScenarioResult:
    """Run and check one scenario; a procdsl bug becomes this scenario's failure, never a crash.

    `schedule`: the run takes those choices (kernel/chooser.py); `explore` (explore.search.Bounds):
    the expectations over every schedule are judged on an exploration within those bounds.
    Otherwise, unless the trace is wanted (`keep_trace`: a report draws it), the expectations are
    checked as the kernel runs and no trace is kept; a scenario that fails, or whose answer needs
    the records, is run again with the trace kept (the run is deterministic) and checked from it."""
    try:
        if schedule is not None:
            from procdsl.explore.search import run_schedule
            script, trace = run_schedule(plan, seed, schedule)
            if script.error:
                return _internal(plan, f"--schedule: {script.error}")
            return check(plan, trace)
        if explore is not None and not any(e.assertion.kind in ir.OVER_SCHEDULES for e in plan.expectations):
            explore = None          # nothing to explore: one run answers every expectation
        if explore is None and not keep_trace:
            monitored = _monitored(plan, seed)
            if monitored is not None:
                return monitored
        result = check(plan, run_plan(plan, seed))
        if explore is not None:
            from procdsl.explore.verdict import judge_scenario
            result = judge_scenario(plan, result, explore, seed)
        return result
    except RecursionError:
        return _internal(plan, "the scenario nests too deeply to simulate")
    except Exception as exc:  # noqa: BLE001 - isolating one scenario is the point
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{os.path.basename(frame.filename)}:{frame.lineno}"
        return _internal(plan, f"internal error in procdsl ({type(exc).__name__}: {exc} at {where}); "
                               f"please report it with this scenario")


def _monitored(plan: EventPlan, seed: Optional[int]) -> Optional[ScenarioResult]:
    # The collector stays paused until the model and the kernel are gone (the frame below):
    # resumed while they lived, its first young collection would scan every object of the run.
    with paused_gc():
        return _checked_as_run(plan, seed)


def _checked_as_run(plan: EventPlan, seed: Optional[int]) -> Optional[ScenarioResult]:
    model = Model(facets=needs.facets(plan))
    kernel = Kernel(plan, seed)
    kernel.events = feed = Feed(model)
    kernel.unheard = feed.unheard
    try:
        trace = kernel.run()
    except TraceWanted:          # an observer needed a facet the expectations did not name
        return None
    result = checked_live(plan, model, trace)
    model.release()
    return result


def _internal(plan: EventPlan, note: str) -> ScenarioResult:
    return ScenarioResult(file=plan.file, title=plan.title, span=plan.span, expectations=(), end_reason="error",
                          end_time=0, note=note)


def check_path(path: str, seed: Optional[int] = None, submission: Optional[Sequence[str]] = None,
               schedule: Optional[tuple] = None, explore: Optional[Any] = None,
               keep_trace: bool = False) -> FileResult:
    unit, plans, diags = compile_path(path, submission)
    result = FileResult(path=path, sources=unit.sources, diagnostics=diags, unit=unit)
    for plan in plans:
        result.scenarios.append(run_scenario(plan, seed, schedule, explore, keep_trace))
    return result


def collect(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """Expand folders into their .proc files (sorted); return (files, missing paths).

    `-` is standard input, read once however often it is named."""
    files: list[str] = []
    missing: list[str] = []
    for path in paths:
        if path == "-":
            if STDIN not in files:
                files.append(STDIN)
        elif os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs.sort()
                files.extend(os.path.join(root, n) for n in sorted(names) if n.endswith(".proc"))
        elif os.path.isfile(path):
            files.append(path)
        else:
            missing.append(path)
    return files, missing


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
            plan = compile_scenario(unit.path, sc, programs, cache, codes, labels, check.expect_calls)
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
