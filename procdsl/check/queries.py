"""What names and functions mean in an expectation, evaluated on the replayed trace at one instant."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any, Callable, Optional

from procdsl import ir
from procdsl.check import creds, energy, files
from procdsl.check.env import Env, EventRef, LaterNote, PRef, pref
from procdsl.check.model import Model, ProcInfo
from procdsl.check.proc_queries import PROC_QUERIES, event_of
from procdsl.check.searches import OUTPUT_IN, output_searches
from procdsl.core.values import MISSING, Dur, ProgramFault, compile_expr, show, type_name
from procdsl.trace.text import format_time

__all__ = ["Env", "EventRef", "LaterNote", "PRef", "PROC_QUERIES", "compile_check", "pref"]

STATE_VALUES = ("running", "ready", "sleeping", "disk_wait", "stopped", "zombie", "reaped")


def lookup(env: Env, name: str, span: Any) -> Any:
    if name in env.bindings:
        return pref(env.bindings[name])
    if name == "output":
        return env.model.output_at(env.t)
    if name == "screen":
        return env.model.jobs.screen_at(env.t)
    if name == "foreground":
        return env.model.jobs.foreground.at(env.t)
    if name == "io_busy":
        return Dur(env.model.io_busy(env.t))
    if name == "zombies":
        count = env.model.zombies(env.t)
        if count:
            env.note(LaterNote(_zombie_note, env.model, env.t), ("zombies", env.t))
        return count
    if name in STATE_VALUES:
        return name
    if name in env.model.by_label:
        return pref(env.resolve(name, None))
    if span is MISSING:
        return MISSING
    env.resolve(name, None)
    return None


def _zombie_note(model: Model, t: int) -> str:
    """Who the zombies are, since when, and whose wait is missing."""
    parts = []
    for p in model.procs:
        if p.created <= t and p.state.at(t) == "zombie":
            parent = model.proc(p.ppid.at(t), t)
            who = parent.name if parent else f"pid {p.ppid.at(t)}"
            parts.append(f"{p.name} (pid {p.pid}) since {format_time(p.exit_time).strip()}, "
                         f"not yet reaped by its parent {who}")
    shown = "; ".join(parts[:4]) + (f"; and {len(parts) - 4} more" if len(parts) > 4 else "")
    return f"zombies at {format_time(t).strip()}: {shown}"


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


def _call(e: Any, lookup_fn: Any, span: Any) -> Callable[[Env], Any]:
    if isinstance(e, ir.CpuRef):
        cpu = e.cpu
        return lambda env: cpu
    func = e.func
    args = e.args
    if func == OUTPUT_IN:
        return _output_in(args[0])
    on_files = files.call(e, lookup, _call, _proc_arg) or creds.call(e, lookup, _call, _proc_arg)
    if on_files is not None:
        return on_files
    on_energy = energy.call(e, lookup, _call)
    if on_energy is not None:
        return on_energy
    if func in PROC_QUERIES:
        query = PROC_QUERIES[func]
        if len(args) == 1 and isinstance(args[0], ir.CpuRef):
            cpu = args[0].cpu
            if func == "switches":
                return lambda env: bisect_right(env.model.cpu_switches.get(cpu, []), env.t)
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
    if func in ("start", "run", "exec", "exit", "reap", "stop", "cont"):
        target = _proc_arg(args[0])

        def event(env: Env):
            p = target(env)
            if p is None:
                return None
            ref = event_of(func, p)
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
    if func in ("utilization", "idle_time", "warm_fraction"):
        cpu_arg = compile_expr(args[0], lookup, _call)
        if func == "warm_fraction":
            return lambda env: env.model.warm_fraction(cpu_arg(env), env.t)
        if func == "utilization":
            return lambda env: env.model.utilization(cpu_arg(env), env.t)
        return lambda env: Dur(round(env.t * (1 - env.model.utilization(cpu_arg(env), env.t))))
    if func == "len":
        inner = compile_expr(args[0], lookup, _call)

        def length(env: Env):
            v = inner(env)
            if not isinstance(v, (tuple, str)):
                raise ProgramFault(f"len needs a list or a string, not a {type_name(v)}", span)
            return len(v)
        return length
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
    return compile_expr(output_searches(e), lookup, _call)


# `A in output`, wrapped by output_searches: answered from the instant A first appears
def _output_in(node: ir.Contains) -> Callable[[Env], Any]:
    # the same as compile_expr's `in`, which still answers whatever this does not: an `output`
    # bound by `for all`, or a process that has no output at that instant (its notes, its fault)
    plain = compile_expr(node, lookup, _call)
    item = compile_expr(node.item, lookup, _call)
    negate = node.negate
    if isinstance(node.container, ir.Name):
        def in_output(env: Env):
            if "output" in env.bindings:
                return plain(env)
            return env.model.output.contains_at(show(item(env)), env.t) != negate
        return in_output
    target = _proc_arg(node.container.args[0])

    def in_output_of(env: Env):
        needle = show(item(env))
        p = target(env)
        if p is None or p.created > env.t:
            return plain(env)
        if p not in env.touched:
            env.touched.append(p)
        return p.output.contains_at(needle, env.t) != negate
    return in_output_of
