"""Expectations checked against the trace: each holds or fails with the values and events that explain it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from procdsl import ir
from procdsl.linux import SIGNAL_NAMES
from procdsl.model import Model, ProcInfo
from procdsl.plan import EventPlan
from procdsl.source import Span
from procdsl.trace import Trace, describe, format_duration, format_time
from procdsl.unparse import unparse
from procdsl.values import MISSING, Dur, ProgramFault, Sig, compile_expr, show

STATE_VALUES = ("running", "ready", "sleeping", "disk_wait", "stopped", "zombie", "reaped")
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


class PRef(int):
    """A process in an expectation: compares as its PID, shows as label(pid)."""

    info: ProcInfo

    def __str__(self) -> str:
        return f"{self.info.name}(pid {int(self)})"

    __repr__ = __str__


def pref(p: ProcInfo) -> PRef:
    r = PRef(p.pid)
    r.info = p
    return r


class EventRef:
    __slots__ = ("time", "index", "what")

    def __init__(self, time: int, index: int, what: str) -> None:
        self.time, self.index, self.what = time, index, what

    def __str__(self) -> str:
        return f"{self.what} at {format_time(self.time).strip()}"


class Env:
    """What names mean while one expectation is evaluated: an instant and bound variables."""

    def __init__(self, model: Model, t: int, bindings: Optional[dict[str, ProcInfo]] = None) -> None:
        self.model = model
        self.t = t
        self.bindings = bindings or {}
        self.notes: list[str] = []
        self.touched: list[ProcInfo] = []

    def at(self, t: int) -> Env:
        env = Env(self.model, t, self.bindings)
        env.notes, env.touched = self.notes, self.touched
        return env

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def resolve(self, label: str, index: Optional[int]) -> Optional[ProcInfo]:
        if index is None and label in self.bindings:
            return self.bindings[label]
        procs = self.model.by_label.get(label, [])
        i = index or 0
        if i < len(procs):
            p = procs[i]
            if p not in self.touched:
                self.touched.append(p)
            return p
        what = f"{label}[{i}]" if index is not None else label
        self.note(f"no process labelled {what} was ever created" if not procs else
                  f"{label} has only {len(procs)} process(es): {what} was never created")
        return None


def lookup(env: Env, name: str, span: Any) -> Any:
    if name in env.bindings:
        return pref(env.bindings[name])
    if name == "output":
        return env.model.output_at(env.t)
    if name == "zombies":
        count = env.model.zombies(env.t)
        if count:
            env.note(_zombie_note(env))
        return count
    if name in STATE_VALUES:
        return name
    if name in env.model.by_label:
        return pref(env.resolve(name, None))
    if span is MISSING:
        return MISSING
    env.resolve(name, None)
    return None


def _zombie_note(env: Env) -> str:
    """Who the zombies are, since when, and whose wait is missing."""
    parts = []
    for p in env.model.procs:
        if p.created <= env.t and p.state.at(env.t) == "zombie":
            parent = env.model.proc(p.ppid.at(env.t), env.t)
            who = parent.name if parent else f"pid {p.ppid.at(env.t)}"
            parts.append(f"{p.name} (pid {p.pid}) since {format_time(p.exit_time).strip()}, "
                         f"not yet reaped by its parent {who}")
    shown = "; ".join(parts[:4]) + (f"; and {len(parts) - 4} more" if len(parts) > 4 else "")
    return f"zombies at {format_time(env.t).strip()}: {shown}"


# ---------------------------------------------------------------------- functions
def _proc_arg(e: ir.Expr) -> Callable[[Env], Optional[ProcInfo]]:
    if isinstance(e, ir.Name):
        name = e.id
        return lambda env: env.resolve(name, None)
    if isinstance(e, ir.Index) and isinstance(e.obj, ir.Name) and isinstance(e.index, ir.Lit):
        label, idx = e.obj.id, int(e.index.value)
        return lambda env: env.resolve(label, idx)
    inner = compile_expr(e, lookup, _call)

    def dynamic(env: Env) -> Optional[ProcInfo]:
        v = inner(env)
        return v.info if isinstance(v, PRef) else None
    return dynamic


def _q_state(env, p):
    return p.state.at(env.t)


def _q_exit_code(env, p):
    if p.exit_time is None or p.exit_time > env.t:
        env.note(f"{p.name} (pid {p.pid}) had not exited by {format_time(env.t).strip()}")
        return None
    if p.exit_signal:
        env.note(f"{p.name} (pid {p.pid}) was killed by {SIGNAL_NAMES.get(p.exit_signal)}, it did not exit")
        return None
    return p.exit_code


def _q_killed_by(env, p):
    if p.exit_time is None or p.exit_time > env.t:
        env.note(f"{p.name} (pid {p.pid}) was still alive at {format_time(env.t).strip()}")
        return None
    if not p.exit_signal:
        env.note(f"{p.name} (pid {p.pid}) exited with code {p.exit_code}; no signal killed it")
        return None
    return Sig(p.exit_signal)


def _q_shell_status(env, p):
    if p.exit_time is None or p.exit_time > env.t:
        return None
    return 128 + p.exit_signal if p.exit_signal else p.exit_code


def _q_reaper(env, p):
    if p.reap_time is None or p.reap_time > env.t:
        if p.exit_time is not None and p.exit_time <= env.t:
            parent = env.model.proc(p.ppid.at(env.t), env.t)
            who = parent.name if parent else f"pid {p.ppid.at(env.t)}"
            env.note(f"{p.name} (pid {p.pid}) stayed a zombie from {format_time(p.exit_time).strip()} to "
                     f"{'the end' if env.t >= env.model.end else format_time(env.t).strip()}: "
                     f"its parent {who} never called wait for it")
        else:
            env.note(f"{p.name} (pid {p.pid}) never exited, so nobody reaped it")
        return None
    return pref(env.model.proc(p.reaper, p.reap_time))


def _q_ppid(env, p):
    ppid = p.ppid.at(env.t)
    parent = env.model.proc(ppid, env.t)
    return pref(parent) if parent is not None else ppid


def _response(env, p):
    return Dur(p.first_run - p.created) if p.first_run is not None and p.first_run <= env.t else None


def _turnaround(env, p):
    return Dur(p.exit_time - p.created) if p.exit_time is not None and p.exit_time <= env.t else None


def _max_delay(env, p):
    delays = [ran - since for since, ran in p.waits if ran <= env.t]
    return Dur(max(delays)) if delays else Dur(0)


PROC_QUERIES: dict[str, Callable[[Env, ProcInfo], Any]] = {
    "state": _q_state,
    "alive": lambda env, p: p.created <= env.t and p.state.at(env.t) not in ("zombie", "reaped"),
    "pid": lambda env, p: pref(p),
    "ppid": _q_ppid,
    "cmd": lambda env, p: p.cmd.at(env.t),
    "exit_code": _q_exit_code,
    "killed_by": _q_killed_by,
    "shell_status": _q_shell_status,
    "reaper": _q_reaper,
    "cpu_time": lambda env, p: Dur(env.model.cpu_time(p, env.t)),
    "switches": lambda env, p: sum(1 for t, _ in p.switch_times if t <= env.t),
    "voluntary_switches": lambda env, p: sum(1 for t, v in p.switch_times if v and t <= env.t),
    "involuntary_switches": lambda env, p: sum(1 for t, v in p.switch_times if not v and t <= env.t),
    "response_time": _response,
    "turnaround": _turnaround,
    "wait_time": lambda env, p: Dur(env.model.wait_time(p, env.t)),
    "max_delay": _max_delay,
    "cow_copies": lambda env, p: sum(n for t, n in p.cow if t <= env.t),
    "output": lambda env, p: env.model.output_at(env.t, p),
    "nice": lambda env, p: p.nice.at(env.t),
    "uid": lambda env, p: p.uid,
    "migrations": lambda env, p: sum(1 for t in p.migrations if t <= env.t),
}


def _event(name: str, p: ProcInfo) -> Optional[EventRef]:
    if name == "start":
        return EventRef(p.created, p.created_index, f"start({p.name})")
    pairs = {"run": (p.first_run, p.first_run_index), "exec": (p.exec_time, p.exec_index),
             "exit": (p.exit_time, p.exit_index), "reap": (p.reap_time, p.reap_index)}
    t, i = pairs[name]
    return EventRef(t, i, f"{name}({p.name})") if t is not None else None


def _call(e: Any, lookup_fn: Any, span: Any) -> Callable[[Env], Any]:
    if isinstance(e, ir.CpuRef):
        cpu = e.cpu
        return lambda env: cpu
    func = e.func
    args = e.args
    if func in PROC_QUERIES:
        query = PROC_QUERIES[func]
        if len(args) == 1 and isinstance(args[0], ir.CpuRef):
            cpu = args[0].cpu
            if func == "switches":
                return lambda env: sum(1 for t in env.model.cpu_switches.get(cpu, []) if t <= env.t)
        target = _proc_arg(args[0])

        def process_query(env: Env):
            p = target(env)
            if p is None:
                return None
            if p not in env.touched:
                env.touched.append(p)
            if p.created > env.t and func not in ("pid", "uid"):
                env.note(f"{p.name} did not exist yet at {format_time(env.t).strip()} "
                         f"(it was created at {format_time(p.created).strip()})")
                return None
            return query(env, p)
        return process_query
    if func in ("start", "run", "exec", "exit", "reap"):
        target = _proc_arg(args[0])

        def event(env: Env):
            p = target(env)
            if p is None:
                return None
            ref = _event(func, p)
            if ref is None or ref.time > env.model.end:
                env.note(f"{func}({p.name}) never happened")
                return None
            return ref
        return event
    if func == "time":
        inner = compile_expr(args[0], lookup, _call)

        def time_of(env: Env):
            ref = inner(env)
            return Dur(ref.time) if isinstance(ref, EventRef) else None
        return time_of
    if func == "count":
        label = args[0].id if isinstance(args[0], ir.Name) else None
        return lambda env: env.model.count(label, env.t)
    if func in ("utilization", "idle_time"):
        cpu_arg = compile_expr(args[0], lookup, _call)
        if func == "utilization":
            return lambda env: env.model.utilization(cpu_arg(env), env.t)
        return lambda env: Dur(round(env.t * (1 - env.model.utilization(cpu_arg(env), env.t))))
    if func == "len":
        inner = compile_expr(args[0], lookup, _call)
        return lambda env: len(inner(env))
    if func in ("avg", "sum", "min", "max"):
        metric = args[0].id if isinstance(args[0], ir.Name) else ""
        label = args[1].id if len(args) > 1 and isinstance(args[1], ir.Name) else None
        query = PROC_QUERIES.get(metric)
        if query is None:
            raise ProgramFault(f"{func} needs a per-process metric such as turnaround, not '{metric}'", span)

        def aggregate(env: Env):
            procs = env.model.by_label.get(label, []) if label else [p for p in env.model.procs if p.pid != 1]
            values = [query(env, p) for p in procs if p.created <= env.t]
            values = [v for v in values if v is not None]
            if not values:
                return None
            if func == "sum":
                return sum(values[1:], values[0])
            if func == "min":
                return min(values)
            if func == "max":
                return max(values)
            total = sum(values[1:], values[0])
            return total / len(values) if not isinstance(total, Dur) else Dur(round(int(total) / len(values)))
        return aggregate
    raise ProgramFault(f"unknown function '{func}'", span)


def compile_check(e: ir.Expr) -> Callable[[Env], Any]:
    return compile_expr(e, lookup, _call)


# ---------------------------------------------------------------------- assertions
class Outcome:
    __slots__ = ("passed", "message", "explanation")

    def __init__(self, passed: bool, message: str = "", explanation: tuple[str, ...] = ()) -> None:
        self.passed, self.message, self.explanation = passed, message, explanation


class Checker:
    def __init__(self, plan: EventPlan, trace: Trace) -> None:
        self.plan = plan
        self.trace = trace
        self._model: Optional[Model] = None

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
            lim = next((e for e in reversed(trace.events) if e.kind == "limit"), None)
            which = lim.detail[0] if lim else trace.end_reason
            note = (f"the run stopped at the limit {which} = {lim.detail[1] if lim else '?'} at "
                    f"{format_time(trace.end_time).strip()}: a runaway scenario (raise it with `machine {{ {which} N }}`)")
        elif trace.end_reason == "fault":
            fault = next((e for e in reversed(trace.events) if e.kind == "fault"), None)
            note = (f"{fault.detail[1]}:{fault.detail[2]}:{fault.detail[3]}: program fault: {fault.detail[0]}"
                    if fault else "a program fault stopped the run")
        results = []
        for exp in self.plan.expectations:
            if note:
                outcome = Outcome(False, "not checked: " + note)
            else:
                try:
                    outcome = self.assertion(exp.assertion, Env(self.model, self.model.end))
                except ProgramFault as fault:
                    outcome = Outcome(False, f"cannot evaluate: {fault.message}")
            max_points = float(exp.points or 0)
            results.append(ExpectResult(span=exp.span, description=exp.description, text=unparse_assertion(exp.assertion),
                                        passed=outcome.passed, message=outcome.message,
                                        explanation=outcome.explanation,
                                        points=max_points if outcome.passed else 0, max_points=max_points,
                                        visibility=exp.visibility))
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
                    return Outcome(False, f"for {a.var} = {p.name} (pid {p.pid}): {out.message}", out.explanation)
            return Outcome(True)
        if k == "all_of":
            for item in a.items:
                out = self.assertion(item, env)
                if not out.passed:
                    return out
            return Outcome(True)
        if k == "deadlock":
            if self.trace.end_reason == "deadlock":
                return Outcome(True)
            return Outcome(False, f"no deadlock: the run ended ({self.trace.end_reason}) at "
                                  f"{format_time(self.trace.end_time).strip()}")
        if k == "ps":
            return self.ps(a)
        if k == "trace":
            return self.trace_lines(a)
        raise AssertionError(f"procdsl bug: no check for assertion {k!r}")

    def expr_holds(self, e: ir.Expr, env: Env) -> Outcome:
        value = compile_check(e)(env)
        if value:
            return Outcome(True)
        when = "at the end" if env.t >= self.model.end else f"at {format_time(env.t).strip()}"
        message = f"{unparse(e)} is false {when}"
        if isinstance(e, ir.Compare):
            left = compile_check(e.left)(env)
            right = compile_check(e.right)(env)
            tol = f" ± {show(compile_check(e.tolerance)(env))}" if e.tolerance is not None else ""
            message = (f"expected {unparse(e.left)} {e.op} {_shown(right)}{tol} {when}, "
                       f"but it is {_shown(left)}")
        if env.notes:
            message += "; " + "; ".join(env.notes)
        return Outcome(False, message, self.explain(env))

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
            who = f"{names.get(ev.pid, '?')}({ev.pid})" if ev.pid else "-"
            lines.append(f"{format_time(ev.time).strip():>14}  {who} {ev.kind}: {describe(ev, names)}")
        return tuple(lines)

    def order(self, a: ir.OrderAssertion, env: Env) -> Outcome:
        first = compile_check(a.first)(env)
        second = compile_check(a.second)(env)
        if not isinstance(first, EventRef) or not isinstance(second, EventRef):
            return Outcome(False, "; ".join(env.notes) or "an event did not happen", self.explain(env))
        key1, key2 = (first.time, first.index), (second.time, second.index)
        holds = key1 < key2 if a.relation == "before" else key1 > key2
        if holds:
            return Outcome(True)
        return Outcome(False, f"expected {unparse(a.first)} {a.relation} {unparse(a.second)}, but {first} and {second}",
                       self.explain(env))

    def temporal(self, a: ir.Temporal, env: Env) -> Outcome:
        fn = compile_check(a.expr)
        want = a.kind == "always"
        for t in self.model.change_times:
            sub = env.at(t)
            if bool(fn(sub)) != want:
                what = "false" if want else "true"
                return Outcome(False, f"{unparse(a.expr)} is {what} at {format_time(t).strip()}", self.explain(sub))
        return Outcome(True)

    def ps(self, a: ir.PsTable) -> Outcome:
        t = self.model.end if a.at is None else int(a.at.value)
        env = Env(self.model, t)
        header = [c.text for c in a.header]
        actual = []
        for p in sorted((p for p in self.model.procs if self.model.exists(p, t)), key=lambda p: p.pid):
            row = {"PID": str(p.pid), "PPID": str(p.ppid.at(t)), "STAT": STAT_LETTER.get(p.state.at(t), "?"),
                   "LABEL": p.name, "CMD": p.cmd.at(t), "NI": str(p.nice.at(t)), "UID": str(p.uid),
                   "TIME": format_duration(self.model.cpu_time(p, t))}
            actual.append(tuple(row[h] for h in header))
        expected = [tuple(_ps_cell(h, c.text) for h, c in zip(header, r)) for r in a.rows]
        got = [tuple(_ps_cell(h, v) for h, v in zip(header, r)) for r in actual]
        if sorted(expected) == sorted(got):
            return Outcome(True)
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
        return Outcome(False, msg, ("actual table:",) + tuple(table) + self.explain(env)[:0])

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
    return value


def _shown(v: Any) -> str:
    if v is None:
        return "nothing"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'
    if isinstance(v, float):
        return f"{v:.4f}"
    return show(v)


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
    return "trace { … }"


def check(plan: EventPlan, trace: Trace) -> ScenarioResult:
    return Checker(plan, trace).check()
