"""What a run showed, in one shape for both sides: procdsl's trace events, or the C program's record lines.

Processes are named by their place in the tree, as the C program names itself: `r0` is
the first process a `run` started, `r0.1` the second child it forked, `init` is PID 1.
That name does not depend on PIDs or on the order in which the processes ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional

from procdsl.core.events import Trace
from procdsl.core.linux import ERRNO, SIGKILL, SIGNAL_NAMES

ESRCH, EPERM = ERRNO["ESRCH"], ERRNO["EPERM"]
UNSEEN = "(not observable on Linux)"


@dataclass
class ProcObs:
    path: str
    label: str
    pid: int = 0
    cmd: str = ""
    end: str = "alive"                 # "exit 3", "killed SIGTERM", "zombie: exit 3", "stopped", ...
    reaper: str = ""                   # the reaper's path, "" while not reaped
    handlers: list[str] = field(default_factory=list)
    fails: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)     # its terminal output, piece by piece

    @property
    def output(self) -> str:
        return "".join(self.written)


@dataclass
class RunObs:
    procs: dict[str, ProcObs] = field(default_factory=dict)
    output: str = ""
    end: str = ""
    notes: list[str] = field(default_factory=list)

    def by_pid(self) -> dict[int, ProcObs]:
        return {p.pid: p for p in self.procs.values()}


def ending(code: int, sig: int) -> str:
    return f"killed {SIGNAL_NAMES.get(sig, sig)}" if sig else f"exit {code}"


def from_trace(trace: Trace) -> RunObs:
    """procdsl's run, read from its events alone (the observer contract)."""
    obs = RunObs(end=trace.end_reason)
    everything: list[str] = []
    live: dict[int, ProcObs] = {}
    forks: dict[int, int] = {}
    runs = 0
    pid1_gone: set[int] = set()
    for ev in trace.events:
        k, d = ev.kind, ev.detail
        p = live.get(ev.pid)
        if k == "spawn":
            path = "init" if ev.pid == 1 else f"r{runs}"
            runs += ev.pid != 1
            live[ev.pid] = obs.procs[path] = ProcObs(path, _name(d[1], d[2]), ev.pid, d[3])
            forks[ev.pid] = 0
        elif k == "fork" and p is not None:
            child = ProcObs(f"{p.path}.{forks[ev.pid]}", _name(d[1], d[2]), d[0], p.cmd)
            forks[ev.pid] += 1
            forks[d[0]] = 0
            live[d[0]] = obs.procs[child.path] = child
        elif p is None:
            if k == "signal" and d[2] == "PID 1 exited":
                pid1_gone.add(d[0])
            continue
        elif k == "exec":
            p.cmd = d[0]
        elif k == "handle" and d[1] == "handler":
            p.handlers.append(SIGNAL_NAMES.get(d[0], str(d[0])))
        elif k == "fail":
            p.fails.append(f"{d[0]} {_errno_name(d[1])}")
        elif k == "signal" and d[3] == "process" and ("(ESRCH)" in d[2] or "(EPERM)" in d[2]):
            p.fails.append(f"kill {'ESRCH' if '(ESRCH)' in d[2] else 'EPERM'}")
        elif k == "signal" and d[2] == "PID 1 exited":
            pid1_gone.add(d[0])
        elif k == "exit":
            p.end = ("killed when PID 1 exited" if ev.pid in pid1_gone and d[1] == SIGKILL
                     else "zombie: " + ending(d[0], d[1]))
        elif k == "reap":
            child = live.pop(d[0], None)
            if child is not None:
                child.end = child.end.removeprefix("zombie: ")
                child.reaper = p.path
        elif k == "stop":
            p.end = "stopped"
        elif k == "cont":
            p.end = "alive"
        elif k == "output":
            p.written.append(d[1])
            everything.append(d[1])
    obs.output = "".join(everything)
    # a label with one process is shown bare, as procdsl names it
    counts: dict[str, int] = {}
    for q in obs.procs.values():
        counts[q.label.split("[")[0]] = counts.get(q.label.split("[")[0], 0) + 1
    for q in obs.procs.values():
        if q.label.endswith("[0]") and counts[q.label[:-3]] == 1:
            q.label = q.label[:-3]
    return obs


def _name(label: str, index: int) -> str:
    return f"{label}[{index}]"


def _errno_name(n: int) -> str:
    return next((name for name, v in ERRNO.items() if v == n), str(n))


def from_records(lines: Iterable[str], terminal: str) -> RunObs:
    """The C program's run, read from the record it wrote (see runtime.c) and the terminal's text."""
    obs = RunObs(output=terminal)
    by_pid: dict[int, ProcObs] = {}
    by_outer: dict[int, ProcObs] = {}
    exits: dict[str, str] = {}
    for line in lines:
        try:
            _record(obs, line.split(), by_pid, by_outer, exits)
        except (ValueError, IndexError):
            obs.notes.append(f"note malformed record: {line[:80]!r}")
    _settle(obs, exits)
    return obs


def _record(obs: RunObs, f: list[str], by_pid: dict, by_outer: dict, exits: dict) -> None:
    """One record line (see runtime.c): `TIME PID KIND FIELDS...`."""
    pid, kind, rest = int(f[1]), f[2], f[3:]
    p = by_pid.get(pid)
    if kind == "start" and len(rest) >= 5:
        p = ProcObs(rest[2], rest[3], pid, rest[4])
        by_pid[pid] = by_outer[int(rest[0])] = obs.procs[p.path] = p
    elif kind == "exec" and p is not None:
        p.cmd = rest[0]
    elif kind == "exit" and p is not None:
        exits[p.path] = f"exit {rest[0]}"
    elif kind == "handler" and p is not None:
        p.handlers.append(SIGNAL_NAMES.get(int(rest[0]), rest[0]))
    elif kind == "fail" and p is not None:
        call, err = rest[0], int(rest[1])
        # procdsl reports a failed kill(2) only for a single target (a `signal` event)
        if call != "kill" or err in (ESRCH, EPERM) and int(rest[2]) > 0:
            p.fails.append(f"{call} {_errno_name(err)}")
    elif kind == "reap" and p is not None:
        child = by_pid.pop(int(rest[0]), None)
        if child is not None:
            child.end, child.reaper = _wait_status(int(rest[1])), p.path
    elif kind == "out" and p is not None and rest[1] != "-":
        p.written.append(bytes.fromhex(rest[1]).decode("latin-1"))     # bytes for now: see _settle
    elif kind == "final":
        q = by_outer.get(int(rest[0]))
        if q is not None and q.reaper == "":
            q.end = {"Z": "zombie: " + _wait_status(int(rest[3])), "T": "stopped"}.get(rest[1], "alive")
    elif kind == "end":
        obs.end = rest[0]
    elif kind in ("note", "fault", "limit", "refused"):
        obs.notes.append(" ".join([kind, *rest]))


def _settle(obs: RunObs, exits: dict) -> None:
    """What the end of the run says about processes no record finished; their output as text."""
    for q in obs.procs.values():
        q.written = ["".join(q.written).encode("latin-1").decode("utf-8", "replace")]
        if q.path == "init" or q.reaper or q.end != "alive" or obs.end not in ("done", "init-exited"):
            continue
        if obs.end == "init-exited":
            q.end = "killed when PID 1 exited"
        else:                       # gone, but no wait saw it: the kernel reaped it (SIGCHLD ignored)
            q.end, q.reaper = exits.get(q.path, UNSEEN), UNSEEN


def _wait_status(st: int) -> str:
    return ending(0, st & 0x7F) if st & 0x7F else ending((st >> 8) & 0xFF, 0)


def pid_of(obs: RunObs, path: str) -> Optional[int]:
    p = obs.procs.get(path)
    return p.pid if p else None
