"""What names and functions mean in an expectation, evaluated on the replayed trace at one instant."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any, Callable, Optional

from procdsl import ir
from procdsl.check import creds, energy, files, maps
from procdsl.check.model import Model, ProcInfo
from procdsl.check.searches import OUTPUT_IN, output_searches
from procdsl.check.sockets import SOCKET_QUERIES
from procdsl.core.linux import ITIMERS, SIGNAL_NAMES
from procdsl.core.values import MISSING, Dur, ProgramFault, Sig, compile_expr, show, type_name
from procdsl.trace.text import format_time

TIMER_OF_SIGNAL = {sig: which for which, (_num, sig) in ITIMERS.items()}
STATE_VALUES = ("running", "ready", "sleeping", "disk_wait", "stopped", "zombie", "reaped")


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
        self.pending: list[Any] = []             # notes: strings, and LaterNotes written only when shown
        self.noted: set[Any] = set()
        self.touched: list[ProcInfo] = []

    def at(self, t: int) -> Env:
        env = Env(self.model, t, self.bindings)
        env.pending, env.noted, env.touched = self.pending, self.noted, self.touched
        return env

    @property
    def notes(self) -> list[str]:
        return [str(note) for note in self.pending]

    def note(self, text: Any, key: Any = None) -> None:
        key = text if key is None else key
        if key not in self.noted:
            self.noted.add(key)
            self.pending.append(text)

    def notes_text(self, limit: int) -> str:
        """The notes joined, up to about `limit` characters and a count of the ones left out."""
        shown: list[str] = []
        size = 0
        for note in self.pending:
            text = str(note)
            if shown and size + len(text) > limit:
                break
            shown.append(text)
            size += len(text) + 2
        left = len(self.pending) - len(shown)
        return "; ".join(shown) + (f"; and {left} more note{'s' if left > 1 else ''}" if left else "")

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


class LaterNote:
    """A note that is costly to write (every zombie at an instant), written when it is shown."""

    __slots__ = ("render", "env", "_text")

    def __init__(self, render: Callable[[Env], str], env: Env) -> None:
        self.render, self.env, self._text = render, env, None

    def __str__(self) -> str:
        if self._text is None:
            self._text = self.render(self.env)
        return self._text


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
            env.note(LaterNote(_zombie_note, env), ("zombies", env.t))
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
        env.note(f"{p.name} (pid {p.pid}) was killed by {SIGNAL_NAMES.get(p.exit_signal)}, it did not exit"
                 + _own_timer(p))
        return None
    return p.exit_code


def _own_timer(p) -> str:
    """When a process died of its own timer's signal (SIGALRM, SIGVTALRM, SIGPROF), say which timer."""
    timer = TIMER_OF_SIGNAL.get(p.exit_signal)
    sets = [(t, value) for t, which, value in p.timers if which == timer]
    if not sets or not sets[-1][1]:
        return ""
    t, value = sets[-1]
    return f" (its {timer}, set at {format_time(t).strip()} for {Dur(value)}, ran out with no handler)"


def _q_killed_by(env, p):
    if p.exit_time is None or p.exit_time > env.t:
        env.note(f"{p.name} (pid {p.pid}) was still alive at {format_time(env.t).strip()}")
        return None
    if not p.exit_signal:
        env.note(f"{p.name} (pid {p.pid}) exited with code {p.exit_code}; no signal killed it")
        return None
    return Sig(p.exit_signal)


def _q_core_dumped(env, p):
    if p.exit_time is None or p.exit_time > env.t:
        env.note(f"{p.name} (pid {p.pid}) was still alive at {format_time(env.t).strip()}")
        return None
    if p.exit_signal and not p.core_dumped:
        env.note(f"{p.name} (pid {p.pid}) was killed by {SIGNAL_NAMES.get(p.exit_signal)} without a core dump "
                 f"(a Core signal dumps only with the machine's core_limit at least 4KiB)")
    return p.core_dumped


def _q_stopped_by(env, p):
    """The signal that stopped p, while it is stopped (WSTOPSIG of what `wait untraced` reports)."""
    if p.state.at(env.t) != "stopped":
        env.note(f"{p.name} (pid {p.pid}) was not stopped at {format_time(env.t).strip()}")
        return None
    return Sig([sig for t, _i, sig in p.stops if t <= env.t][-1])


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


def _exit_cpu(env, p):
    if p.exit_time is None or p.exit_time > env.t:
        env.note(f"{p.name} (pid {p.pid}) had not exited by {format_time(env.t).strip()}")
        return None
    if p.exit_cpu is None or p.exit_cpu < 0:
        env.note(f"{p.name} (pid {p.pid}) was not on a CPU when it exited")
        return None
    return p.exit_cpu


def _level(env, p):
    if p.level is None:
        env.note(f"{p.name} (pid {p.pid}) has no mlfq level: the machine's scheduler is not mlfq")
        return None
    return p.level.at(env.t)


def _max_delay(env, p):
    delays = [ran - since for since, ran in p.waits if ran <= env.t]
    return Dur(max(delays)) if delays else Dur(0)


PROC_QUERIES: dict[str, Callable[[Env, ProcInfo], Any]] = {
    "state": _q_state,
    "alive": lambda env, p: p.created <= env.t and (p.exit_time is None or p.exit_time > env.t),   # zombie from exit on
    "pid": lambda env, p: pref(p),
    "ppid": _q_ppid,
    "cmd": lambda env, p: p.cmd.at(env.t),
    "exit_code": _q_exit_code,
    "killed_by": _q_killed_by,
    "core_dumped": _q_core_dumped,
    "stopped_by": _q_stopped_by,
    "shell_status": _q_shell_status,
    "reaper": _q_reaper,
    "cpu_time": lambda env, p: Dur(env.model.cpu_time(p, env.t)),
    "switches": lambda env, p: bisect_right(p.switch_times, (env.t, True)),      # in time order
    "voluntary_switches": lambda env, p: sum(1 for t, v in p.switch_times if v and t <= env.t),
    "involuntary_switches": lambda env, p: sum(1 for t, v in p.switch_times if not v and t <= env.t),
    "response_time": _response,
    "turnaround": _turnaround,
    "wait_time": lambda env, p: Dur(env.model.wait_time(p, env.t)),
    "max_delay": _max_delay,
    "cow_copies": lambda env, p: sum(n for t, n in p.cow if t <= env.t),
    "output": lambda env, p: env.model.output_at(env.t, p),
    "nice": lambda env, p: p.nice.at(env.t),
    "migrations": lambda env, p: bisect_right(p.migrations, env.t),
    **SOCKET_QUERIES,
    "pgid": lambda env, p: _job(env, p, "pgid"),
    "sid": lambda env, p: _job(env, p, "sid"),
    "level": _level,
    "exit_cpu": _exit_cpu,
}
PROC_QUERIES.update(maps.QUERIES)        # rss, vsz, regions (check/maps.py)


def _job(env, p, what: str):
    j = env.model.jobs.of(p)
    return getattr(j, what).at(env.t) if j is not None else None


PROC_QUERIES.update(creds.PROC_QUERIES)          # uid, euid, suid, gid, egid, sgid, groups


# each read only when asked: `run` is on the timeline, which a model fed live may not follow
_MOMENTS: dict[str, Callable[[ProcInfo], tuple]] = {
    "run": lambda p: (p.first_run, p.first_run_index), "exec": lambda p: (p.exec_time, p.exec_index),
    "exit": lambda p: (p.exit_time, p.exit_index), "reap": lambda p: (p.reap_time, p.reap_index),
    "stop": lambda p: p.stops[0][:2] if p.stops else (None, None),
    "cont": lambda p: p.conts[0] if p.conts else (None, None)}


def _event(name: str, p: ProcInfo) -> Optional[EventRef]:
    if name == "start":
        return EventRef(p.created, p.created_index, f"start({p.name})")
    t, i = _MOMENTS[name](p)
    return EventRef(t, i, f"{name}({p.name})") if t is not None else None


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
