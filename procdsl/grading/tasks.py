"""What a grading worker does: unpack a bundle, decide gradability, compile each scenario, run one scenario.

These functions run only inside a worker process (procdsl/grading/sandbox.py), never in the
grader itself, so a submission that makes the front end or the simulator misbehave costs
at most the task in hand. The compiled plans stay in the worker: a `run` task names the
bundle and the scenario's place, and a worker that did not prepare that bundle last compiles
it again (the same texts give the same plans), which costs less than carrying the plans to
the grader and back.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import replace
from typing import Optional

from procdsl.check.checker import ScenarioResult, unparse_assertion
from procdsl.check.limits import for_submission
from procdsl.grading.alike import Stopped, stopped_for_good
from procdsl.grading.bundle import SUBMISSION_DIR, Bundle
from procdsl.grading.jobs import Job, Prepared
from procdsl.grading.result import Expectation, Scenario
from procdsl.lang.diagnostics import CompileError, Diagnostic
from procdsl.lang.load import load, parse_file, read_source, remember_parses
from procdsl.lang.render import render
from procdsl.lang.source import Source
from procdsl.pipeline import compile_scenarios, run_scenario
from procdsl.plan import EventPlan

remember_parses()       # this module runs in grading workers: each test file is parsed once per worker


class _Workdir:
    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle

    def __enter__(self) -> str:
        self.old = os.getcwd()
        self.root = tempfile.mkdtemp(prefix="procdsl-grade-")
        self.bundle.materialize(self.root)
        os.chdir(self.root)        # bundle paths are relative, so messages name tests/... and submission/...
        return self.root

    def __exit__(self, *exc) -> None:
        os.chdir(self.old)
        shutil.rmtree(self.root, ignore_errors=True)


class _Submission:
    """What a worker keeps of the submission it prepared last: its plans and its last runaway run."""

    __slots__ = ("bundle", "plans", "stopped")

    def __init__(self, bundle: Bundle, plans: list[EventPlan]) -> None:
        self.bundle, self.plans = bundle, plans
        # the last run that stopped at a limit: the next scenarios are often the same run up to
        # that stop (grading/alike.py) and are checked on its trace
        self.stopped: Optional[Stopped] = None


_current: Optional[_Submission] = None


def prepare(bundle: Bundle) -> Prepared:
    global _current
    prepared, plans = _prepare(bundle)
    _current = _Submission(bundle, plans)
    return prepared


def _submission(bundle: Bundle) -> _Submission:
    if _current is None or _current.bundle != bundle:
        prepare(bundle)
    return _current


def _prepare(bundle: Bundle) -> tuple[Prepared, list[EventPlan]]:
    plans: list[EventPlan] = []
    with _Workdir(bundle):
        try:
            tests = [parse_file(read_source(t)) for t in bundle.test_files]
        except CompileError as err:
            own = {p: Source(p, text) for p, text in bundle.files if not p.startswith(SUBMISSION_DIR + "/")}
            return Prepared(False, 0, tests_broken=tuple(render(d, own) for d in err.diagnostics)), plans
        fallback = {t.path: [_failed_scenario(t.path, sc, "") for sc in t.scenarios] for t in tests}
        max_score = sum(e.max_points for scs in fallback.values() for s in scs for e in s.expectations)
        problems = list(bundle.problems)
        roots, defined = _check_submission(bundle, problems)
        if problems:
            return Prepared(False, max_score, tuple(problems)), plans
        jobs = []
        for test in bundle.test_files:
            unit = load(test, roots)
            if unit.diagnostics:       # e.g. the submission defines a program the tests provide
                return Prepared(False, max_score, _render(unit.diagnostics, unit.sources)), []
            for i, sc in enumerate(unit.scenarios):
                (compiled,) = compile_scenarios(replace(unit, scenarios=[sc]))
                if compiled.plan is not None:
                    jobs.append(Job(fallback[test][i], len(plans), compiled.plan.machine.seed))
                    plans.append(compiled.plan)
                    continue
                why = "; ".join(_explain_missing(d.message, defined) for d in compiled.diagnostics)
                jobs.append(Job(_failed_scenario(test, sc, why or "the scenario could not be compiled",
                                                 "not_compiled")))
        return Prepared(True, max_score, (), tuple(jobs)), plans


def _check_submission(bundle: Bundle, problems: list[str]) -> tuple[list[str], list[str]]:
    """Load each submission file on its own: programs and `use` of its own folder are all it may hold."""
    files = bundle.submission_files
    diags, seen, used, defined, sources = [], set(), set(), set(), {}
    for path in files:
        unit = load(path)
        sources.update(unit.sources)
        found = list(unit.diagnostics)
        for f in unit.files:
            if not f.path.startswith(SUBMISSION_DIR + "/"):
                continue
            defined.update(p.name for p in f.programs)
            here = os.path.dirname(f.path)
            used.update(os.path.normpath(os.path.join(here, u.path)) for u in f.uses if u.path is not None)
            for sc in f.scenarios:
                what = f"scenario \"{sc.title}\""
                if sc.expects:
                    what += f" with {len(sc.expects)} expectation(s)"
                found.append(Diagnostic(f"a submission may define programs only, not a {what}", sc.span,
                                        hint="remove the scenario; the grader runs the instructor's tests"))
        for d in found:
            key = (d.message, str(d.span))
            if key not in seen:
                seen.add(key)
                diags.append(d)
    problems.extend(_render(diags, sources))
    roots = [p for p in files if os.path.normpath(p) not in used]
    return roots or files, sorted(defined)


def _render(diags, sources) -> tuple[str, ...]:
    # Quote source lines of the submission only: a line of the tests could be a hidden expectation.
    own = {p: s for p, s in sources.items() if p.startswith(SUBMISSION_DIR + "/")}
    ordered = sorted(diags, key=lambda d: (d.span.file, d.span.line, d.span.col) if d.span else ("", 0, 0))
    return tuple(render(d, own) for d in ordered)


def _explain_missing(message: str, defined: list[str]) -> str:
    if message.startswith("unknown program") and "did you mean" not in message:
        names = ", ".join(f"'{n}'" for n in defined)
        return f"{message}: the submission defines {names}" if names else f"{message}: the submission defines none"
    return message


def _failed_scenario(file: str, sc, why: str, status: str = "failed") -> Scenario:
    exps = tuple(Expectation(name=e.description or unparse_assertion(e.assertion), file=file, line=e.span.line,
                             passed=False, points=0, max_points=e.points or 0, visibility=e.visibility,
                             scored=e.points is not None, message=why, col=e.span.col)
                 for e in sc.expects)
    return Scenario(name=sc.title, file=file, line=sc.span.line, status=status, expectations=exps, note=why)


def _run_once(sub: _Submission, plan: EventPlan, seed: Optional[int]) -> ScenarioResult:
    last = sub.stopped
    if last is not None and last.covers(plan, seed):
        try:
            return last.check(plan)
        except Exception:  # noqa: BLE001 - run it on its own, where run_scenario isolates a procdsl bug
            pass
    # a student's scenario fails or hits a limit often, and a failure checked live is run twice:
    # grading records the trace in the one run instead
    result = run_scenario(plan, seed, keep_trace=True)
    sub.stopped = Stopped(plan, seed, result) if stopped_for_good(result) else None
    return result


def run(bundle: Bundle, job: Job, seed: Optional[int], explore: Optional[object] = None) -> Scenario:
    """One scenario of `bundle`; `explore` (explore.search.Bounds): each expectation must hold in
    every schedule within those bounds (`procdsl grade --explore`)."""
    sub = _submission(bundle)
    plan = sub.plans[job.index]
    if explore is not None:
        from procdsl.explore.verdict import run_every_schedule
        result = run_every_schedule(plan, explore, seed)
    else:
        result = _run_once(sub, plan, seed)
    if result.note:
        result = replace(result, note=for_submission(result.note))
    fallback = {(e.line, e.name): e for e in job.scenario.expectations}
    exps = []
    for r in result.expectations:
        meta = fallback.get((r.span.line, r.name))
        message = result.note if (result.note and not r.passed) else r.message
        exps.append(Expectation(name=r.name, file=job.scenario.file, line=r.span.line, passed=r.passed,
                                points=r.points, max_points=r.max_points, visibility=r.visibility,
                                scored=meta.scored if meta else r.max_points > 0, message=message,
                                explanation=() if result.note else tuple(r.explanation), col=r.span.col))
    if result.note and not result.expectations:      # procdsl failed before checking: keep the points on the books
        exps = [replace(e, message=result.note) for e in job.scenario.expectations]
    if result.passed:
        status = "passed"
    elif result.note:
        status = "error" if result.end_reason == "error" else "stopped"
    else:
        status = "failed"
    return Scenario(name=job.scenario.name, file=job.scenario.file, line=job.scenario.line, status=status,
                    expectations=tuple(exps), note=result.note,
                    seed=plan.machine.seed if seed is None else seed)
