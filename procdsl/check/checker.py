"""Expectations checked against the trace: each holds or fails with the values and events that explain it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from procdsl import ir
from procdsl.check.limits import limit_note
from procdsl.check.model import Model
from procdsl.check.queries import Env, EventRef, compile_check
from procdsl.core.events import Trace
from procdsl.core.linux import SIGNAL_NAMES
from procdsl.core.values import DivideByZero, Dur, ProgramFault, show
from procdsl.ir.span import Span
from procdsl.ir.unparse import format_duration, unparse
from procdsl.plan import EventPlan
from procdsl.trace.text import describe, format_time

# Size bounds on what a result carries (docs/language.md, section 10): whatever a run printed or
# however many processes it had, a failure reads in one screen and a result file stays small.
MESSAGE_LIMIT = 2_000       # characters of a failure message (and of a scenario's note)
NOTES_LIMIT = 1_000         # characters of the notes a message ends with
VALUE_LIMIT = 200           # characters of one value quoted in a message
LINE_LIMIT = 300            # characters of one explanation line
EXPLANATION_LINES = 40      # lines of an explanation (a `ps` table's rows included)

STAT_LETTER = {"running": "R", "ready": "R", "sleeping": "S", "disk_wait": "D", "stopped": "T", "zombie": "Z"}


@dataclass(frozen=True)
class ExpectResult:
    span: Span
    description: Optional[str]
    text: str
    passed: bool
    message: str = ""
    explanation: tuple[str, ...] = ()
    points: float = 0
    max_points: float = 0
    visibility: str = "visible"
    at: Optional[int] = None          # the instant it concerns (where it failed), for views that link to it

    @property
    def name(self) -> str:
        return self.description or self.text


@dataclass(frozen=True)
class ScenarioResult:
    file: str
    title: str
    span: Span
    expectations: tuple[ExpectResult, ...]
    end_reason: str
    end_time: int
    note: str = ""
    trace: Optional[Trace] = field(default=None, compare=False, repr=False)

    @property
    def passed(self) -> bool:
        return not self.note and all(e.passed for e in self.expectations)


# ---------------------------------------------------------------------- assertions
class Outcome:
    __slots__ = ("passed", "message", "explanation", "at")

    def __init__(self, passed: bool, message: str = "", explanation: tuple[str, ...] = (),
                 at: Optional[int] = None) -> None:
        self.passed, self.message, self.explanation, self.at = passed, message, explanation, at


class Checker:
    def __init__(self, plan: EventPlan, trace: Trace, model: Optional[Model] = None) -> None:
        self.plan = plan
        self.trace = trace
        self._model = model

    @property
    def model(self) -> Model:
        # built on first use: a run that stopped at a limit is never replayed
        if self._model is None:
            self._model = Model(self.trace)
        return self._model

    def check(self) -> ScenarioResult:
        trace = self.trace
        note = ""
        if trace.end_reason.startswith("limit"):
            note = clip(limit_note(trace), MESSAGE_LIMIT)
        elif trace.end_reason == "fault":
            fault = next((e for e in reversed(trace.events) if e.kind == "fault"), None)
            note = clip(f"{fault.detail[1]}:{fault.detail[2]}:{fault.detail[3]}: program fault: {fault.detail[0]}"
                        if fault else "a program fault stopped the run", MESSAGE_LIMIT)
        results = []
        for exp in self.plan.expectations:
            if note:
                outcome = Outcome(False, "not checked: " + note)
            else:
                try:
                    outcome = self.assertion(exp.assertion, Env(self.model, self.model.end))
                except ProgramFault as fault:
                    outcome = Outcome(False, f"cannot evaluate: {fault.message}")
                except DivideByZero:         # in a program the CPU traps (SIGFPE); here there is no one to signal
                    outcome = Outcome(False, "cannot evaluate: division by zero")
            max_points = float(exp.points or 0)
            results.append(ExpectResult(span=exp.span, description=exp.description, text=unparse_assertion(exp.assertion),
                                        passed=outcome.passed, message=clip(outcome.message, MESSAGE_LIMIT),
                                        explanation=clip_lines(outcome.explanation),
                                        points=max_points if outcome.passed else 0, max_points=max_points,
                                        visibility=exp.visibility,
                                        at=outcome.at if outcome.at is not None else trace.end_time))
        return ScenarioResult(file=self.plan.file, title=self.plan.title, span=self.plan.span,
                              expectations=tuple(results), end_reason=trace.end_reason, end_time=trace.end_time,
                              note=note, trace=trace)

    def assertion(self, a: ir.Assertion, env: Env) -> Outcome:
        k = a.kind
        if k == "expr_assert":
            t = self.model.end if a.at is None or a.at_end else int(a.at.value)
            return self.expr_holds(a.expr, env.at(t))
        if k == "order":
            return self.order(a, env)
        if k in ("always", "never"):
            return self.temporal(a, env)
        if k == "forall":
            procs = self.model.by_label.get(a.label.label, [])
            if a.label.index is not None:
                procs = procs[a.label.index:a.label.index + 1]
            for p in procs:
                bound = Env(self.model, env.t, {**env.bindings, a.var: p})
                out = self.assertion(a.body, bound)
                if not out.passed:
                    return Outcome(False, f"for {a.var} = {p.name} (pid {p.pid}): {out.message}", out.explanation, at=out.at)
            return Outcome(True)
        if k == "all_of":
            moments = []
            for item in a.items:
                out = self.assertion(item, env)
                if not out.passed:
                    return out
                moments.append(out.at)
            return Outcome(True, at=max((m for m in moments if m is not None), default=None))
        if k == "deadlock":
            if self.trace.end_reason == "deadlock":
                return Outcome(True)
            return Outcome(False, f"no deadlock: the run ended ({self.trace.end_reason}) at "
                                  f"{format_time(self.trace.end_time).strip()}")
        if k == "ps":
            return self.ps(a)
        if k == "trace":
            return self.trace_lines(a)
        if k in ir.OVER_SCHEDULES:
            return self.one_schedule(a, env)
        raise AssertionError(f"procdsl bug: no check for assertion {k!r}")

    def one_schedule(self, a: ir.Assertion, env: Env) -> Outcome:
        """An expectation over every schedule, read on this run as if it were the only one
        (`procdsl explore`, and `check` without --no-explore, look at the others)."""
        k = a.kind
        if k == "schedules":
            out = self.assertion(a.body, env)
            if out.passed or a.every:
                return out
            return Outcome(False, f"not in this schedule: {out.message}", out.explanation, out.at)
        if k == "no_deadlock":
            if self.trace.end_reason != "deadlock":
                return Outcome(True)
            return Outcome(False, "this schedule ends in a deadlock", self.explain(env), at=self.trace.end_time)
        text = "".join(t for _, t in self.model.output)
        values = set(a.values)
        held = {"==": values == {text}, "<=": text in values, ">=": values <= {text},
                "contains": text in values}[a.op]
        if held:
            return Outcome(True)
        return Outcome(False, f"this schedule's output is {quote(text)}, the only output one run shows",
                       at=self.trace.end_time)

    def expr_holds(self, e: ir.Expr, env: Env) -> Outcome:
        value = compile_check(e)(env)
        if value:
            return Outcome(True, at=env.t)
        when = "at the end" if env.t >= self.model.end else f"at {format_time(env.t).strip()}"
        message = f"{unparse(e)} is false {when}"
        if isinstance(e, ir.Compare):
            left = compile_check(e.left)(env)
            right = compile_check(e.right)(env)
            tol = f" ± {show(compile_check(e.tolerance)(env))}" if e.tolerance is not None else ""
            message = (f"expected {unparse(e.left)} {e.op} {_shown(right)}{tol} {when}, "
                       f"but it is {_shown(left)}")
            if _unit_mismatch(left, right):
                message += " (a duration compared with a bare number, which counts nanoseconds: write 5ms, 250us)"
            elif isinstance(left, str) != isinstance(right, str) and None not in (left, right):
                message += " (a string never equals a number)"
        if env.pending:
            message += "; " + env.notes_text(NOTES_LIMIT)
        return Outcome(False, message, self.explain(env), at=env.t)

    def explain(self, env: Env) -> tuple[str, ...]:
        """Trace lines about the processes the expectation named, up to its instant."""
        events = self.trace.events
        chosen: set[int] = set()
        for p in env.touched[:3]:
            chosen.update([i for i in p.events if events[i].time <= env.t and events[i].kind != "switch"][-6:])
        deadlock = self.model.deadlock
        lines = [describe(deadlock, NamesAt(self.model, deadlock.time))] if deadlock is not None else []
        for i in sorted(chosen):
            ev = events[i]
            names = NamesAt(self.model, ev.time)
            who = f"{names.get(ev.pid, '?')}({ev.pid})" if ev.pid > 0 else "-"
            lines.append(f"{format_time(ev.time).strip():>14}  {who} {ev.kind}: {describe(ev, names)}")
        return tuple(lines)

    def order(self, a: ir.OrderAssertion, env: Env) -> Outcome:
        first = compile_check(a.first)(env)
        second = compile_check(a.second)(env)
        if not isinstance(first, EventRef) or not isinstance(second, EventRef):
            return Outcome(False, env.notes_text(NOTES_LIMIT) or "an event did not happen", self.explain(env))
        key1, key2 = (first.time, first.index), (second.time, second.index)
        holds = key1 < key2 if a.relation == "before" else key1 > key2
        at = max(first.time, second.time)
        if holds:
            return Outcome(True, at=at)
        return Outcome(False, f"expected {unparse(a.first)} {a.relation} {unparse(a.second)}, but {first} and {second}",
                       self.explain(env), at=at)

    def temporal(self, a: ir.Temporal, env: Env) -> Outcome:
        fn = compile_check(a.expr)
        want = a.kind == "always"
        for t in self.model.change_times:
            sub = env.at(t)
            if bool(fn(sub)) != want:
                what = "false" if want else "true"
                return Outcome(False, f"{unparse(a.expr)} is {what} at {format_time(t).strip()}", self.explain(sub),
                               at=t)
        return Outcome(True)

    def ps(self, a: ir.PsTable) -> Outcome:
        t = self.model.end if a.at is None else int(a.at.value)
        env = Env(self.model, t)
        header = [c.text for c in a.header]
        actual = [tuple(row[h] for h in header) for row in ps_rows(self.model, t)]
        expected = [tuple(_ps_cell(h, c.text) for h, c in zip(header, r)) for r in a.rows]
        if "STAT" in header and all(len(r[header.index("STAT")]) == 1 for r in expected if len(r) == len(header)):
            # a table of plain state letters compares the state only, not the s and + flags
            stat = header.index("STAT")
            actual = [r[:stat] + (r[stat][:1],) + r[stat + 1:] for r in actual]
        got = [tuple(_ps_cell(h, v) for h, v in zip(header, r)) for r in actual]
        if sorted(expected) == sorted(got):
            return Outcome(True, at=t)
        widths = [max([len(h)] + [len(r[i]) for r in actual]) + 2 for i, h in enumerate(header)]
        table = ["  " + "".join(h.ljust(w) for h, w in zip(header, widths))] + [
            "  " + "".join(v.ljust(w) for v, w in zip(r, widths)) for r in actual]
        missing = [r for r in expected if r not in got]
        extra = [r for r in got if r not in expected]
        msg = f"the process table at {format_time(t).strip()} differs"
        if missing:
            msg += "; expected but absent: " + ", ".join(" ".join(r) for r in missing)
        if extra:
            msg += "; present but not expected: " + ", ".join(" ".join(r) for r in extra)
        return Outcome(False, msg, ("actual table:",) + tuple(table) + self.explain(env)[:0], at=t)

    def trace_lines(self, a: ir.TraceBlock) -> Outcome:
        events = self.trace.events
        pos = 0
        for line in a.lines:
            words = [w.text for w in line.words]
            match = self._trace_matcher(words)
            while pos < len(events) and not match(events[pos]):
                pos += 1
            if pos >= len(events):
                return Outcome(False, f"trace line `{' '.join(words)}` (line {line.span.line}) was not found "
                                      f"after the lines before it", self._trace_context(words))
            pos += 1
        return Outcome(True)

    def _trace_matcher(self, words: list[str]) -> Callable:
        def pid(word: str) -> int:
            label, _, rest = word.partition("[")
            index = int(rest.rstrip("]")) if rest else None
            p = Env(self.model, self.model.end).resolve(label, index)
            return p.pid if p is not None else -99
        verb = words[0]
        if verb == "fork":
            a, b = pid(words[1]), pid(words[3])
            return lambda ev: ev.kind == "fork" and ev.pid == a and ev.detail[0] == b
        if verb == "exec":
            a, prog = pid(words[1]), words[2]
            return lambda ev: ev.kind == "exec" and ev.pid == a and ev.detail[0] == prog
        if verb == "exit":
            a = pid(words[1])
            code = int(words[2]) if len(words) > 2 else None
            return lambda ev: ev.kind == "exit" and ev.pid == a and not ev.detail[1] and (code is None or ev.detail[0] == code)
        if verb == "killed":
            a, sig = pid(words[1]), words[2]
            return lambda ev: ev.kind == "exit" and ev.pid == a and SIGNAL_NAMES.get(ev.detail[1]) == sig
        if verb == "reparent":
            a, b = pid(words[1]), pid(words[3])
            return lambda ev: ev.kind == "reparent" and ev.pid == a and ev.detail[0] == b
        a, b = pid(words[1]), pid(words[2])
        return lambda ev: ev.kind == "reap" and ev.pid == a and ev.detail[0] == b

    def _trace_context(self, words: list[str]) -> tuple[str, ...]:
        kinds = {"fork": "fork", "exec": "exec", "exit": "exit", "killed": "exit", "reparent": "reparent", "reap": "reap"}
        kind = kinds.get(words[0])
        found = [e for e in self.trace.events if e.kind == kind][:8]
        return tuple(f"{format_time(e.time)}  {NamesAt(self.model, e.time).get(e.pid, e.pid)}: "
                     f"{describe(e, NamesAt(self.model, e.time))}"
                     for e in found) or (f"no {words[0]} events at all",)


PS_COLUMNS = ("PID", "PPID", "PGID", "SID", "TTY", "STAT", "LABEL", "CMD", "NI", "UID", "VSZ", "RSS", "TIME")


def ps_rows(model: Model, t: int) -> list[dict[str, str]]:
    """The process table at t, as `expect ps at` and `procdsl ps` show it: one row per process
    that exists then (zombies included, reaped ones not), by PID, each cell as text; UID is the
    effective uid, as ps prints it."""
    jobs = model.jobs
    return [{"PID": str(p.pid), "PPID": str(p.ppid.at(t)), "PGID": _job_cell(jobs, p, "pgid", t),
             "SID": _job_cell(jobs, p, "sid", t), "TTY": "tty1" if _job_cell(jobs, p, "ctty", t) == "True" else "?",
             "STAT": STAT_LETTER.get(p.state.at(t), "?") + jobs.stat_flags(p, t), "LABEL": p.name, "CMD": p.cmd.at(t), "NI": str(p.nice.at(t)), "UID": str(model.creds.id_of(p, "euid", t)),
             **_sizes(model, p, t), "TIME": format_duration(model.cpu_time(p, t))}
            for p in sorted((p for p in model.procs if model.exists(p, t)), key=lambda p: p.pid)]


def _job_cell(jobs, p, what: str, t: int) -> str:
    j = jobs.of(p)
    return str(getattr(j, what).at(t)) if j is not None else "?"


def _sizes(model: Model, p, t: int) -> dict[str, str]:
    """ps's VSZ and RSS in KiB; a zombie has given its memory back and shows 0 (exit_mm)."""
    if p.state.at(t) in ("zombie", "reaped"):
        return {"VSZ": "0", "RSS": "0"}
    return {"VSZ": str(model.maps.vsz(p, t) // 1024), "RSS": str(model.maps.rss(p, t) // 1024)}


class NamesAt:
    """pid -> name as it was at one instant (a PID may belong to several processes over a run)."""

    def __init__(self, model: Model, t: int) -> None:
        self.model, self.t = model, t

    def get(self, pid: int, default=None):
        p = self.model.proc(pid, self.t)
        return p.name if p is not None else default


def _ps_cell(header: str, value: str) -> str:
    if header == "LABEL" and value.endswith("[0]"):
        return value[:-3]
    if header == "TTY" and value == "-":          # ps writes ?, which a table may write as "?" or -
        return "?"
    return value


def _unit_mismatch(a: Any, b: Any) -> bool:
    plain = (int, float)
    return (isinstance(a, Dur) and isinstance(b, plain) and not isinstance(b, (Dur, bool))) or \
           (isinstance(b, Dur) and isinstance(a, plain) and not isinstance(a, (Dur, bool)))


def _shown(v: Any) -> str:
    if v is None:
        return "nothing"
    if isinstance(v, str):
        text = v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        if len(text) > VALUE_LIMIT:
            return f'"{text[:VALUE_LIMIT]}"… ({len(text) - VALUE_LIMIT:,} more characters)'
        return '"' + text + '"'
    if isinstance(v, float):
        return f"{v:.4f}"
    return clip(show(v), VALUE_LIMIT)


def clip(text: str, limit: int) -> str:
    """text, or its first `limit` characters and how many were left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def clip_lines(lines: tuple[str, ...]) -> tuple[str, ...]:
    """At most EXPLANATION_LINES lines of at most LINE_LIMIT characters, and a count of the rest."""
    shown = tuple(clip(line, LINE_LIMIT) for line in lines[:EXPLANATION_LINES])
    if len(lines) > EXPLANATION_LINES:
        shown = shown[:-1] + (f"… and {len(lines) - EXPLANATION_LINES + 1} more lines",)
    return shown


def unparse_assertion(a: ir.Assertion) -> str:
    k = a.kind
    if k == "expr_assert":
        at = " at end" if a.at_end else (f" at {unparse(a.at)}" if a.at is not None else "")
        return unparse(a.expr) + at
    if k == "order":
        return f"{unparse(a.first)} {a.relation} {unparse(a.second)}"
    if k in ("always", "never"):
        return f"{k} {unparse(a.expr)}"
    if k == "forall":
        idx = f"[{a.label.index}]" if a.label.index is not None else ""
        return f"for all {a.var} in {a.label.label}{idx}: {unparse_assertion(a.body)}"
    if k == "all_of":
        return "{ " + "; ".join(unparse_assertion(i) for i in a.items) + " }"
    if k == "deadlock":
        return "deadlock"
    if k == "ps":
        return f"ps at {unparse(a.at) if a.at is not None else 'end'} {{ … }}"
    if k == "schedules":
        return f"in {'every' if a.every else 'some'} schedule {unparse_assertion(a.body)}"
    if k == "outputs":
        if a.op == "contains":
            return f"possible outputs contains {quote(a.values[0])}"
        return f"possible outputs {a.op} {{" + ", ".join(quote(v) for v in a.values) + "}"
    if k == "no_deadlock":
        return "never deadlock"
    return "trace { … }"


def quote(text: str) -> str:
    """A string as the language writes it, for an expectation's text."""
    import json  # here: only a failure's or -v's text quotes, not every check
    return json.dumps(text, ensure_ascii=False)


def check(plan: EventPlan, trace: Trace) -> ScenarioResult:
    checker = Checker(plan, trace)
    result = checker.check()
    if checker._model is not None:
        checker._model.release()         # freed by reference counting, not by a collection
    return result
