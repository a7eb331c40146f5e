"""An exercise's answers, found by running its scenario on procdsl and reading each question off the run."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from procdsl import ir
from procdsl.check.checker import STAT_LETTER, ScenarioResult
from procdsl.check.model import Model
from procdsl.check.queries import Env, PRef, compile_check
from procdsl.core.linux import ERRNO_NAMES, SIGNAL_NAMES
from procdsl.core.values import Dur, Errno, Sig
from procdsl.ir.unparse import format_duration
from procdsl.lang.load import Unit
from procdsl.lang.parser import parse
from procdsl.lang.source import Source
from procdsl.pipeline import compile_unit, run_scenario
from procdsl.plan import EventPlan
from procdsl.quiz.exercise import Exercise, Question, render


class QuizError(Exception):
    """A generated exercise that procdsl cannot answer: a bug in its generator."""


def compile_text(text: str, name: str) -> EventPlan:
    """The one scenario of an exercise's text, through the same front end as a file."""
    source = Source(name, text)
    f = parse(source)
    unit = Unit(path=name, sources={name: source}, files=[f], programs={p.name: p for p in f.programs},
                scenarios=list(f.scenarios))
    plans = compile_unit(unit)
    if len(plans) != 1:
        raise QuizError(f"an exercise has one scenario, this one has {len(plans)}")
    return plans[0]


def answers(ex: Exercise) -> list[Any]:
    """Each question's answer as .proc text (a table: its rows), read off one run of the scenario."""
    # The probe asks every question of itself (`count(b) == count(b)`), so that the front end
    # checks each one and the plan carries its expression and instant.
    asked = tuple(Question(q.ask, "zombies", q.at) if q.table else q for q in ex.questions)
    probe = replace(ex, questions=asked)
    plan = compile_text(render(probe, [q.lhs for q in asked]), f"quiz-{ex.kind}-{ex.seed}.proc")
    result = run_scenario(plan)
    if result.trace is None or result.note:
        raise QuizError(f"the {ex.kind} exercise for seed {ex.seed} does not run cleanly: {result.note}")
    model = Model(result.trace)
    out: list[Any] = []
    for q, exp in zip(ex.questions, plan.expectations):
        a = exp.assertion
        assert isinstance(a, ir.ExprAssertion) and isinstance(a.expr, ir.Compare)
        t = model.end if a.at is None or a.at_end else int(a.at.value)
        if q.table:
            out.append(_table(model, q.table, t))
        else:
            env = Env(model, t)
            out.append(literal(compile_check(a.expr.left)(env), q, ex, env))
    return out


def solution(ex: Exercise) -> str:
    """The exercise with every answer filled in; checked to pass before it is returned."""
    text = render(ex, answers(ex))
    verdict = check_text(text, f"quiz-{ex.kind}-{ex.seed}-solution.proc")
    if not verdict.passed:
        failed = [e.name for e in verdict.expectations if not e.passed]
        raise QuizError(f"the computed solution of {ex.kind} -s {ex.seed} fails {failed}: a procdsl bug")
    return text


def check_text(text: str, name: str) -> ScenarioResult:
    return run_scenario(compile_text(text, name))


def literal(v: Any, q: Question, ex: Exercise, env: Env) -> str:
    """A value as a student would write it after `==`."""
    if v is None:
        why = "; ".join(env.notes) or "no value"
        raise QuizError(f"{ex.kind} -s {ex.seed}: `{q.lhs}` has no value ({why})")
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, PRef):
        return str(int(v)) if q.form == "number" else v.info.name
    if isinstance(v, Dur):
        return format_duration(int(v))
    if isinstance(v, Sig):
        return SIGNAL_NAMES.get(int(v), str(int(v)))
    if isinstance(v, Errno):
        return ERRNO_NAMES.get(int(v), str(int(v)))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        if q.form == "name":
            return v
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'
    raise QuizError(f"{ex.kind} -s {ex.seed}: `{q.lhs}` is a {type(v).__name__}, which a student cannot write")


def _table(model: Model, columns: tuple[str, ...], t: int) -> list[tuple[str, ...]]:
    rows = []
    for p in sorted((p for p in model.procs if model.exists(p, t)), key=lambda p: p.pid):
        cell = {"PID": str(p.pid), "PPID": str(p.ppid.at(t)), "STAT": STAT_LETTER.get(p.state.at(t), "?"),
                "LABEL": p.name, "CMD": p.cmd.at(t)}
        rows.append(tuple(cell[c] for c in columns))
    return rows
