"""The trace replayed into per-process timelines, so any question can be asked at any instant."""

from __future__ import annotations

from bisect import bisect_right
from typing import Optional

from procdsl.check.creds import CredModel
from procdsl.check.energy import EnergyModel
from procdsl.check.files import FileModel
from procdsl.check.history import History, OutputLog, StateHistory
from procdsl.check.jobs import JobModel
from procdsl.check.maps import MapModel
from procdsl.check.sockets import SocketModel
from procdsl.core.events import FIELDS, Trace, TraceEvent
from procdsl.trace.text import display_name

STATE_NAMES = {"S": "sleeping", "D": "disk_wait", "T": "stopped"}


class ProcInfo:
    def __init__(self, pid: int, label: str, index: int, name: str, created: int, created_at: int,
                 ppid: int, cmd: str, nice: int, uid: int) -> None:
        self.pid = pid
        self.label = label
        self.index = index
        self.name = name
        self.created = created
        self.created_index = created_at
        self.ppid = History(created, ppid)
        self.cmd = History(created, cmd)
        self.nice = History(created, nice)
        self.uid = uid
        self.state = History(created, "ready")
        self.runs: list[list[int]] = []          # [start, end]; end -1 while running
        self.first_run: Optional[int] = None
        self.first_run_index: Optional[int] = None
        self.exec_time: Optional[int] = None
        self.exec_index: Optional[int] = None
        self.exit_time: Optional[int] = None
        self.exit_index: Optional[int] = None
        self.exit_code: Optional[int] = None
        self.exit_signal = 0
        self.core_dumped = False
        self.timers: list[tuple[int, str, int]] = []        # (time, which, value) of each alarm / setitimer
        self.stops: list[tuple[int, int, int]] = []         # (time, event index, signal) of each stop
        self.conts: list[tuple[int, int]] = []              # (time, event index) of each SIGCONT that continued it
        self.reap_time: Optional[int] = None
        self.reap_index: Optional[int] = None
        self.reaper: Optional[int] = None
        self.switch_times: list[tuple[int, bool]] = []     # (time, voluntary)
        self.cow: list[tuple[int, int]] = []
        self.output = OutputLog()
        self.migrations: list[int] = []
        self.level: Optional[History] = None               # its mlfq level, under mlfq only
        self.disk_wait: Optional[list[int]] = None         # its wait in state D (an io), while on
        self.run_cpus: list[int] = []                      # the CPU of each of `runs`
        self.warm: dict[int, list[list[int]]] = {}         # cpu -> [start, end] warm in its cache; end -1: still
        self.exit_cpu: Optional[int] = None                # the CPU it exited on; -1: not on one
        self.ready_since: Optional[int] = created
        self.waits: list[tuple[int, int]] = []             # (ready from, ran at)
        self.events: list[int] = []                        # indexes of trace events about it

    def __repr__(self) -> str:
        return f"{self.name}({self.pid})"


def _both(first, then):
    def handle(ev, p, i):
        first(ev, p, i)
        then(ev, p, i)
    return handle


class Model:
    """The run as an observer sees it: events fed one at a time, in order, to one handler per kind.

    This is the observer contract every consumer of a run follows (docs/design.md, section 4):
    state comes from the events alone, never from the kernel's objects. A new event kind that
    the checker should see gets a handler here (`_on_KIND`, found by name) and nothing else."""

    def __init__(self, trace: Optional[Trace] = None) -> None:
        # without a trace the model is fed as the kernel runs (check/monitor.py), then closed
        self.trace = trace
        self.end = trace.end_time if trace is not None else 0
        self.procs: list[ProcInfo] = []
        self.by_pid_history: dict[int, list[ProcInfo]] = {}
        self.by_label: dict[str, list[ProcInfo]] = {}
        self.output = OutputLog()
        self.zombie_count = History(0, 0)
        self.cpu_switches: dict[int, list[int]] = {}
        self.cpu_busy: dict[int, list[list[int]]] = {}
        self.deadlock: Optional[TraceEvent] = None
        self.disk: list[list[int]] = []          # [start, end] of every wait in state D; end -1 while on
        self.disk_busy: list[tuple[int, int, int]] = []  # merged: (start, end, busy time before start)
        self.change_times: list[int] = [0]
        self._index = -1
        handlers = {kind: getattr(self, "_on_" + kind) for kind in FIELDS if hasattr(self, "_on_" + kind)}
        self.files = FileModel(self)                  # observers of their own, fed the same events
        self.sockets = SocketModel(self)
        self.jobs = JobModel(self)
        self.creds = CredModel(self)
        self.maps = MapModel(self)                    # each process's memory map
        self.energy = EnergyModel(trace.cpus if trace is not None else 0)   # idle residencies and energy
        for observer in (self.files, self.sockets, self.jobs, self.creds, self.maps, self.energy):
            for kind, fn in observer.handlers.items():
                handlers[kind] = _both(handlers[kind], fn) if kind in handlers else fn
        self._handlers = handlers
        if trace is not None:
            for ev in trace.events:
                self.feed(ev)
            self.finish()

    def close(self, trace: Trace) -> None:
        """A model fed live: the run is over and this is what it ended with."""
        self.trace = trace
        self.end = trace.end_time
        self.energy.machine(trace.cpus)
        self.finish()

    def proc(self, pid: int, t: Optional[int] = None) -> Optional[ProcInfo]:
        """The process that had `pid` at time t (PIDs are reused after reaping)."""
        cands = self.by_pid_history.get(pid, [])
        if t is None:
            return cands[-1] if cands else None
        best = None
        for p in cands:
            if p.created <= t:
                best = p
        return best

    # ------------------------------------------------------------------ the observer
    def feed(self, ev: TraceEvent) -> None:
        self._index += 1
        t = ev[0]
        if self.change_times[-1] != t:
            self.change_times.append(t)
        kind, pid = ev[3], ev[2]
        if kind not in ("spawn", "fork") and pid > 0:
            cands = self.by_pid_history.get(pid)
            p = cands[-1] if cands else None
            # fed live, no record can be quoted: a failure is explained from a recorded re-run
            if p is not None and self.trace is not None:
                p.events.append(self._index)
        else:
            p = None
        handler = self._handlers.get(kind)
        if handler is not None:
            handler(ev, p, self._index)

    def finish(self) -> None:
        """The run is over: names are final and what was still running ends at the end time."""
        for label, procs in self.by_label.items():
            for p in procs:
                p.name = display_name(label, p.index, len(procs))
        end = self.end
        for p in self.procs:
            if p.runs and p.runs[-1][1] < 0:
                p.runs[-1][1] = end
        for busy in self.cpu_busy.values():
            if busy and busy[-1][1] < 0:
                busy[-1][1] = end
        self.disk_busy = _merged([(a, b if b >= 0 else end) for a, b in self.disk])

    # one handler per event kind: (event, the process it is about or None, its index in the run)
    def _on_spawn(self, ev: TraceEvent, _p, i: int) -> None:
        d = ev.detail
        self._new(ev.pid, d[1], d[2], ev.time, i, d[0], d[3], d[4], d[5])

    def _on_fork(self, ev: TraceEvent, _p, i: int) -> None:
        d = ev.detail
        parent = self.proc(ev.pid)
        self._new(d[0], d[1], d[2], ev.time, i, ev.pid, parent.cmd.values[-1], parent.nice.values[-1], parent.uid)
        parent.events.append(i)

    def _on_switch(self, ev: TraceEvent, p, i: int) -> None:
        t, cpu, d = ev.time, ev.cpu, ev.detail
        prev = self.proc(d[0]) if d[0] > 0 else None
        self.cpu_switches.setdefault(cpu, []).append(t)
        busy = self.cpu_busy.setdefault(cpu, [])
        if busy and busy[-1][1] < 0:
            busy[-1][1] = t
        if prev is not None:
            prev.events.append(i)
            if prev.runs and prev.runs[-1][1] < 0:
                prev.runs[-1][1] = max(t, prev.runs[-1][0])
            why = d[1]
            if why in ("preempted", "throttled"):
                prev.state.set(t, "ready")
                prev.ready_since = t
                prev.switch_times.append((t, False))
            elif why in ("blocked", "exit", "stopped"):
                prev.switch_times.append((t, True))
        if p is not None:
            start = t + d[2]
            p.state.set(t, "running")
            p.runs.append([start, -1])
            p.run_cpus.append(cpu)
            if p.ready_since is not None:
                p.waits.append((p.ready_since, start))
                p.ready_since = None
            if p.first_run is None:
                p.first_run, p.first_run_index = start, i
            busy.append([t, -1])

    def _on_block(self, ev: TraceEvent, p, _i: int) -> None:
        t = ev.time
        p.state.set(t, STATE_NAMES.get(ev.detail[0], "sleeping"))
        if ev.detail[0] == "D":
            p.disk_wait = [t, -1]
            self.disk.append(p.disk_wait)
        if p.runs and p.runs[-1][1] < 0:
            p.runs[-1][1] = max(t, p.runs[-1][0])

    def _on_wake(self, ev: TraceEvent, p, _i: int) -> None:
        p.state.set(ev.time, "ready")
        if p.disk_wait is not None:
            p.disk_wait[1] = ev.time
            p.disk_wait = None
        p.ready_since = ev.time

    def _on_stop(self, ev: TraceEvent, p, i: int) -> None:
        t = ev.time
        p.state.set(t, "stopped")
        p.stops.append((t, i, ev.detail[0]))
        if p.runs and p.runs[-1][1] < 0:
            p.runs[-1][1] = max(t, p.runs[-1][0])
        p.ready_since = None

    def _on_cont(self, ev: TraceEvent, p, i: int) -> None:
        p.conts.append((ev.time, i))

    def _on_exec(self, ev: TraceEvent, p, i: int) -> None:
        p.cmd.set(ev.time, ev.detail[0])
        if p.exec_time is None:
            p.exec_time, p.exec_index = ev.time, i

    def _on_exit(self, ev: TraceEvent, p, i: int) -> None:
        t = ev.time
        p.state.set(t, "zombie")
        p.exit_time, p.exit_index = t, i
        p.exit_code, p.exit_signal = ev.detail[0], ev.detail[1]
        p.exit_cpu = ev.cpu
        p.core_dumped = bool(ev.detail[2]) if len(ev.detail) > 2 else False
        p.ready_since = None
        if p.disk_wait is not None:           # killed in an I/O when PID 1 exited
            p.disk_wait[1] = t
            p.disk_wait = None
        if p.runs and p.runs[-1][1] < 0:
            p.runs[-1][1] = max(t, p.runs[-1][0])

    def _on_reap(self, ev: TraceEvent, _p, i: int) -> None:
        child = self.proc(ev.detail[0])
        child.state.set(ev.time, "reaped")
        child.reap_time, child.reap_index, child.reaper = ev.time, i, ev.pid
        child.events.append(i)

    def _on_waited(self, ev: TraceEvent, _parent, i: int) -> None:
        # a parent's wait reported the child's stop or continue: part of the child's story too
        child = self.proc(ev.detail[0])
        if child is not None:
            child.events.append(i)

    def _on_timer(self, ev: TraceEvent, p, _i: int) -> None:
        p.timers.append((ev.time, ev.detail[0], ev.detail[1]))

    def _on_reparent(self, ev: TraceEvent, p, _i: int) -> None:
        p.ppid.set(ev.time, ev.detail[0])

    def _on_output(self, ev: TraceEvent, p, _i: int) -> None:
        p.output.append((ev.time, ev.detail[1]))
        self.output.append((ev.time, ev.detail[1]))

    def _on_cow(self, ev: TraceEvent, p, _i: int) -> None:
        p.cow.append((ev.time, ev.detail[0]))

    def _on_nice(self, ev: TraceEvent, p, _i: int) -> None:
        p.nice.set(ev.time, ev.detail[0])

    def _on_migrate(self, ev: TraceEvent, p, _i: int) -> None:
        p.migrations.append(ev.time)

    def _on_cache(self, ev: TraceEvent, p, _i: int) -> None:
        spans = p.warm.setdefault(ev.cpu, [])
        if ev.detail[0] == "warm":
            spans.append([ev.time, -1])
        elif spans and spans[-1][1] < 0:
            spans[-1][1] = ev.time

    def _on_level(self, ev: TraceEvent, p, _i: int) -> None:
        if p.level is None:
            p.level = History(ev.time, ev.detail[0])
        else:
            p.level.set(ev.time, ev.detail[0])

    def _on_signal(self, ev: TraceEvent, _sender, i: int) -> None:
        target = self.proc(ev.detail[0]) if ev.detail[0] > 0 else None
        if target is not None:
            target.events.append(i)

    def _on_deadlock(self, ev: TraceEvent, _p, _i: int) -> None:
        self.deadlock = ev

    def _new(self, pid, label, index, t, i, ppid, cmd, nice, uid) -> ProcInfo:
        p = ProcInfo(pid, label, index, f"{label}[{index}]", t, i, ppid, cmd, nice, uid)
        p.state = StateHistory(t, "sleeping" if pid == 1 and cmd == "init" else "ready", self.zombie_count)
        self.procs.append(p)
        self.by_pid_history.setdefault(pid, []).append(p)
        self.by_label.setdefault(label, []).append(p)
        return p

    # ------------------------------------------------------------------ queries at an instant
    def exists(self, p: ProcInfo, t: int) -> bool:
        return p.created <= t and (p.reap_time is None or p.reap_time > t)

    def cpu_time(self, p: ProcInfo, t: int) -> int:
        total = 0
        for start, end in p.runs:
            if start >= t:
                break
            total += min(end, t) - start
        return total

    def wait_time(self, p: ProcInfo, t: int) -> int:
        total = sum(min(ran, t) - since for since, ran in p.waits if since < t)
        if p.ready_since is not None and p.ready_since < t:
            total += t - p.ready_since
        return total

    def output_at(self, t: int, p: Optional[ProcInfo] = None) -> str:
        return (p.output if p is not None else self.output).at(t)

    def zombies(self, t: int) -> int:
        return self.zombie_count.at(t) or 0

    def count(self, label: str, t: int) -> int:
        return sum(1 for p in self.by_label.get(label, []) if p.created <= t)

    def io_busy(self, t: int) -> int:
        """How long, up to t, at least one process was in an I/O (state D)."""
        i = bisect_right(self.disk_busy, (t,)) - 1
        if i < 0:
            return 0
        start, end, before = self.disk_busy[i]
        return before + min(end, t) - start

    def warm_fraction(self, cpu: int, t: int) -> float:
        """The share of the time up to t that `cpu` ran a job warm in its cache."""
        if t <= 0:
            return 0.0
        warm = 0
        for p in self.procs:
            spans = p.warm.get(cpu)
            if not spans:
                continue
            for (start, end), on in zip(p.runs, p.run_cpus):
                if on != cpu or start >= t:
                    continue
                end = min(end if end >= 0 else t, t)
                for w_start, w_end in spans:
                    w_end = w_end if w_end >= 0 else t
                    warm += max(0, min(end, w_end) - max(start, w_start))
        return warm / t

    def utilization(self, cpu: int, t: int) -> float:
        if t <= 0:
            return 0.0
        busy = sum(min(end, t) - start for start, end in self.cpu_busy.get(cpu, []) if start < t)
        return busy / t


def _merged(intervals: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Overlapping intervals joined, each with the total length of those before it."""
    out: list[tuple[int, int, int]] = []
    total = 0
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            start, end, before = out[-1]
            if b > end:
                total += b - end
                out[-1] = (start, b, before)
        else:
            out.append((a, b, total))
            total += b - a
    return out
