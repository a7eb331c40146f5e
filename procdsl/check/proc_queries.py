"""The per-process queries of expectations (`exit_code(p)`, `cpu_time(p)`, ...) and the events they name."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any, Callable, Optional

from procdsl.check import creds, maps
from procdsl.check.env import Env, EventRef, pref
from procdsl.check.model import ProcInfo
from procdsl.check.sockets import SOCKET_QUERIES
from procdsl.core.linux import ITIMERS, SIGNAL_NAMES
from procdsl.core.values import Dur, Sig
from procdsl.trace.text import format_time

TIMER_OF_SIGNAL = {sig: which for which, (_num, sig) in ITIMERS.items()}


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


def event_of(name: str, p: ProcInfo) -> Optional[EventRef]:
    if name == "start":
        return EventRef(p.created, p.created_index, f"start({p.name})")
    t, i = _MOMENTS[name](p)
    return EventRef(t, i, f"{name}({p.name})") if t is not None else None
