"""Expectations over every schedule, judged on an exploration: `in every schedule A`, `in some
schedule A`, `possible outputs ...`, `never deadlock`. A failure names the shortest schedule
that shows it, replayed and explained as `check` explains a failure."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Optional

from procdsl import ir
from procdsl.check.checker import Checker, ScenarioResult, check, quote, unparse_assertion
from procdsl.check.queries import Env
from procdsl.core.values import ProgramFault
from procdsl.explore.outcome import outcome_of
from procdsl.explore.search import Bounds, Exploration, explore, run_schedule
from procdsl.kernel import run_plan
from procdsl.kernel.chooser import parse_schedule
from procdsl.plan import EventPlan
from procdsl.trace.text import describe, format_time

SHOWN_OUTPUTS = 8          # outputs a failure lists before "and N more"


def shown(schedule: Optional[str]) -> str:
    """A schedule as a command line takes it: the empty one (the default run) as ""."""
    return schedule or '""'


def over_schedules(plan: EventPlan) -> list[int]:
    """The indexes of the plan's expectations that are about every schedule."""
    return [i for i, e in enumerate(plan.expectations) if e.assertion.kind in ir.OVER_SCHEDULES]


def _per_run(plan: EventPlan) -> list[ir.Assertion]:
    return [plan.expectations[i].assertion.body for i in over_schedules(plan)
            if plan.expectations[i].assertion.kind == "schedules"]


def judge_of(plan: EventPlan, bodies: list[ir.Assertion]) -> Any:
    """A finished run -> whether each `in ... schedule` body holds on it."""
    def judge(trace: Any) -> tuple:
        if trace.end_reason.startswith("limit") or trace.end_reason == "fault":
            return tuple(False for _ in bodies)
        checker = Checker(plan, trace)
        out = []
        for body in bodies:
            try:
                out.append(checker.assertion(body, Env(checker.model, checker.model.end)).passed)
            except ProgramFault:
                out.append(False)
        return tuple(out)
    return judge


def explore_plan(plan: EventPlan, bounds: Bounds, seed: Optional[int] = None) -> Exploration:
    bodies = _per_run(plan)
    # a run stopped at a state seen before is not judged: with such expectations, no hashing
    return explore(plan, replace(bounds, hashing=False) if bodies else bounds, seed,
                   judge_of(plan, bodies) if bodies else None, len(bodies))


def judge_scenario(plan: EventPlan, result: ScenarioResult, bounds: Bounds, seed: Optional[int] = None,
                   exploration: Optional[Exploration] = None) -> ScenarioResult:
    """`result` (one run's check) with its expectations over schedules judged on an exploration."""
    indexes = over_schedules(plan)
    if not indexes or result.note:
        return result
    ex = exploration if exploration is not None else explore_plan(plan, bounds, seed)
    items = list(result.expectations)
    per_run = 0
    for i in indexes:
        a = plan.expectations[i].assertion
        if a.kind == "schedules":
            passed, message, explanation = _quantified(plan, a, ex, ex.verdicts[per_run], seed)
            per_run += 1
        elif a.kind == "outputs":
            passed, message, explanation = _outputs(plan, a, ex, seed)
        else:
            passed, message, explanation = _deadlock(plan, ex, seed)
        old = items[i]
        items[i] = replace(old, passed=passed, message=message, explanation=explanation,
                           points=old.max_points if passed else 0)
    return replace(result, expectations=tuple(items))


def every_schedule(plan: EventPlan) -> EventPlan:
    """`plan` with each of its one-run expectations asked of every schedule (`grade --explore`)."""
    wrapped = tuple(e if e.assertion.kind in ir.OVER_SCHEDULES else
                    e.model_copy(update={"assertion": ir.build(ir.Schedules, span=e.assertion.span, every=True,
                                                               body=e.assertion)})
                    for e in plan.expectations)
    return plan.model_copy(update={"expectations": wrapped})


def run_every_schedule(plan: EventPlan, bounds: Bounds, seed: Optional[int] = None) -> ScenarioResult:
    """Check `plan` with every expectation over the schedules within `bounds`; each result keeps
    its own text, and a failure names the shortest schedule that breaks it."""
    wrapped = every_schedule(plan)
    result = judge_scenario(wrapped, check(wrapped, run_plan(wrapped, seed)), bounds, seed)
    texts = [unparse_assertion(e.assertion) for e in plan.expectations]
    return replace(result, expectations=tuple(replace(r, text=t) for r, t in zip(result.expectations, texts)))


def _covered(ex: Exploration) -> str:
    return f"explored {ex.coverage()}"


def _quantified(plan: EventPlan, a: ir.Schedules, ex: Exploration, v: Any, seed: Optional[int]) -> tuple:
    runs = v.held + v.failed
    if a.every:
        if not v.failed:
            return True, f"holds in all {runs:,} runs; {_covered(ex)}", ()
        return False, (f"fails in {v.failed:,} of {runs:,} runs; the shortest: --schedule {shown(v.failed_by)}"
                       f"; {_covered(ex)}"), _replayed(plan, v.failed_by, seed, a.body)
    if v.held:
        return True, f"holds in {v.held:,} of {runs:,} runs, e.g. --schedule {shown(v.held_by)}", ()
    return False, f"holds in none of {runs:,} runs; {_covered(ex)}", ()


def _outputs(plan: EventPlan, a: ir.PossibleOutputs, ex: Exploration, seed: Optional[int]) -> tuple:
    found: dict[str, str] = {}
    for outcome, f in sorted(ex.outcomes.items()):
        if outcome.output not in found or len(f.schedule) < len(found[outcome.output]):
            found[outcome.output] = f.schedule
    wanted = set(a.values)
    extra = sorted(set(found) - wanted) if a.op in ("==", "<=") else []
    missing = sorted(wanted - set(found)) if a.op in ("==", ">=", "contains") else []
    if not extra and not missing:
        return True, f"{len(found):,} possible output{'s' if len(found) != 1 else ''}; {_covered(ex)}", ()
    parts = []
    if extra:
        listed = ", ".join(f"{quote(o)} (--schedule {shown(found[o])})" for o in extra[:SHOWN_OUTPUTS])
        more = f" and {len(extra) - SHOWN_OUTPUTS:,} more" if len(extra) > SHOWN_OUTPUTS else ""
        parts.append(f"also possible: {listed}{more}")
    if missing:
        parts.append("never seen: " + ", ".join(quote(o) for o in missing[:SHOWN_OUTPUTS]))
    explanation = _replayed(plan, found[extra[0]], seed, None) if extra else ()
    return False, "; ".join(parts) + f"; {_covered(ex)}", explanation


def _deadlock(plan: EventPlan, ex: Exploration, seed: Optional[int]) -> tuple:
    stuck = [f.schedule for o, f in sorted(ex.outcomes.items()) if o.end == "deadlock"]
    if not stuck:
        return True, f"no schedule deadlocks; {_covered(ex)}", ()
    shortest = min(stuck, key=lambda s: (s.count("."), s))
    return False, f"a schedule deadlocks: --schedule {shown(shortest)}; {_covered(ex)}", \
        _replayed(plan, shortest, seed, None)


def _replayed(plan: EventPlan, schedule: Optional[str], seed: Optional[int], body: Optional[ir.Assertion]) -> tuple:
    """The counterexample run again: its choices, then why it fails (as `check` says it), or its output."""
    if schedule is None:
        return ()
    script, trace = run_schedule(plan, seed, parse_schedule(schedule))
    lines = [f"replay: procdsl run {plan.file} --scenario {json.dumps(plan.title)} --schedule {shown(schedule)}"]
    lines.extend(describe_choices(script.taken, trace.labels))
    if body is not None:
        checker = Checker(plan, trace)
        out = checker.assertion(body, Env(checker.model, checker.model.end))
        lines.append(out.message)
        lines.extend(out.explanation)
    else:
        lines.extend(f"{format_time(ev.time).strip():>14}  {trace.labels.get(ev.pid, '?')}({ev.pid}) "
                     f"{ev.kind}: {describe(ev, trace.labels)}"
                     for ev in trace.events if ev.kind in ("output", "deadlock"))
        lines.append(f"outcome: {outcome_of(trace).describe()}")
    return tuple(lines)


def _name(labels: dict[int, str], pid: int) -> str:
    return f"{labels.get(pid, '?')}({pid})"


def describe_choices(taken: list, labels: dict[int, str], limit: int = 12) -> list[str]:
    """Each choice a schedule made where it was not option 0, in words."""
    out = []
    for n, (kind, i, width, now, cpu, pids, _default, _awake) in enumerate(taken, 1):
        if i == 0:
            continue
        if len(out) == limit:
            out.append(f"  … and {sum(1 for t in taken[n - 1:] if t[1]):,} more choices")
            break
        if kind in ("preempt", "pick") and i < len(pids):
            what = f"{_name(labels, pids[i])} runs instead of {_name(labels, pids[0])}"
        elif kind == "window":
            what = f"{_name(labels, pids[0])} stores its shared += {i:,} ns after the load (of 0 to {width - 1:,})"
        elif kind == "signal":
            what = f"the signal reaches {_name(labels, pids[0])} after its current stretch of work, not at once"
        else:
            what = f"{_name(labels, pids[0])} goes to another idle CPU"
        out.append(f"  choice {n} ({kind}, option {i} of {width}) at {format_time(now).strip()} on cpu{cpu}: {what}")
    return out
