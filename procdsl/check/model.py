"""The trace replayed into per-process timelines, so any question can be asked at any instant."""

from __future__ import annotations

from bisect import bisect_right
from typing import Optional

from procdsl.check.creds import CredModel
from procdsl.check.energy import EnergyModel
from procdsl.check.files import FileModel
from procdsl.check.history import Covered, History, OutputLog
from procdsl.check.jobs import JobModel
from procdsl.check.maps import MapModel
from procdsl.check.sockets import SocketModel
from procdsl.check.unfed import unfed
from procdsl.core.events import FIELDS, Trace, TraceEvent, new_event
from procdsl.trace.text import display_name

STATE_NAMES = {"S": "sleeping", "D": "disk_wait", "T": "stopped"}


TIMELINE = "timeline"      # states, runs and waits of every process, switches and busy time of every CPU
INSTANTS = "instants"      # every instant something happened: what `always` and `never` look at
REAPS = "reaps"            # when each child was reaped and by whom, and the count of zombies
OBSERVERS = ("files", "sockets", "jobs", "creds", "maps", "energy")
ALL = frozenset((TIMELINE, INSTANTS, REAPS, *OBSERVERS))

# what a model not fed a facet must not be asked (check/unfed.py): each name and its facet
PROC_FACET = dict.fromkeys(("state", "runs", "first_run", "first_run_index", "switch_times", "migrations", "level",
                            "disk_wait", "run_cpus", "warm", "ready_since", "waits"), TIMELINE)
PROC_FACET.update(dict.fromkeys(("reap_time", "reap_index", "reaper"), REAPS))
MODEL_FACET = {**dict.fromkeys(("cpu_switches", "cpu_busy", "disk", "disk_busy"), TIMELINE),
               "change_times": INSTANTS, "zombie_count": REAPS, **{name: name for name in OBSERVERS}}


class ProcInfo:
    """One process as the checker sees it: what the events said about it, for the facets the model is fed."""

    __slots__ = ("pid", "label", "index", "name", "created", "created_index", "ppid", "cmd", "nice", "uid",
                 "exec_time", "exec_index", "exit_time", "exit_index", "exit_code", "exit_signal", "core_dumped",
                 "timers", "stops", "conts", "cow", "output", "exit_cpu",
                 "events", "facets", "first_ppid", "first_cmd", "first_nice", *PROC_FACET)

    def __init__(self, pid: int, label: str, index: int, name: str, created: int, created_at: int,
                 ppid: int, cmd: str, nice: int, uid: int, facets: frozenset = ALL) -> None:
        self.pid = pid
        self.label = label
        self.index = index
        self.name = name
        self.created = created
        self.created_index = created_at
        # ppid, cmd, nice, output, timers, stops, conts and cow are made at their first use
        # (ON_FIRST_USE): most processes of a large tree never change or read them
        self.first_ppid = ppid
        self.first_cmd = cmd
        self.first_nice = nice
        self.uid = uid
        self.exec_time: Optional[int] = None
        self.exec_index: Optional[int] = None
        self.exit_time: Optional[int] = None
        self.exit_index: Optional[int] = None
        self.exit_code: Optional[int] = None
        self.exit_signal = 0
        self.core_dumped = False
        self.exit_cpu: Optional[int] = None                # the CPU it exited on; -1: not on one
        self.events: list[int] = []                        # indexes of trace events about it
        self.facets = facets
        if REAPS in facets:
            self.reap_time: Optional[int] = None
            self.reap_index: Optional[int] = None
            self.reaper: Optional[int] = None
        if TIMELINE in facets:
            self.state = History(created, "sleeping" if pid == 1 and cmd == "init" else "ready")
            self.runs: list[list[int]] = []          # [start, end]; end -1 while running
            self.first_run: Optional[int] = None
            self.first_run_index: Optional[int] = None
            self.switch_times: list[tuple[int, bool]] = []     # (time, voluntary)
            self.migrations: list[int] = []
            self.level: Optional[History] = None               # its mlfq level, under mlfq only
            self.disk_wait: Optional[list[int]] = None         # its wait in state D (an io), while on
            self.run_cpus: list[int] = []                      # the CPU of each of `runs`
            self.warm: dict[int, list[list[int]]] = {}         # cpu -> [start, end] warm in its cache; end -1: still
            self.ready_since: Optional[int] = created
            self.waits: list[tuple[int, int]] = []             # (ready from, ran at)

    def __getattr__(self, name: str):
        if name == "facets":            # not set yet (a copy being made): nothing to look up
            raise AttributeError(name)
        make = ON_FIRST_USE.get(name)
        if make is not None:
            value = make(self)
            object.__setattr__(self, name, value)
            return value
        unfed(name, PROC_FACET, self.facets)

    def __getstate__(self) -> dict:
        # only what was set: a copy must not ask for a facet the model was not fed
        state = {}
        for name in ProcInfo.__slots__:
            try:
                state[name] = object.__getattribute__(self, name)
            except AttributeError:
                pass
        return state

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return f"{self.name}({self.pid})"


# what a ProcInfo makes when it is first read or written, the same as if it had been made with it
ON_FIRST_USE = {
    "ppid": lambda p: History(p.created, p.first_ppid),
    "cmd": lambda p: History(p.created, p.first_cmd),
    "nice": lambda p: History(p.created, p.first_nice),
    "output": lambda p: OutputLog(),
    "timers": lambda p: [],          # (time, which, value) of each alarm / setitimer
    "stops": lambda p: [],           # (time, event index, signal) of each stop
    "conts": lambda p: [],           # (time, event index) of each SIGCONT that continued it
    "cow": lambda p: [],             # (time, pages copied) of each copy-on-write fault
}


def _chain(fns: list):
    if len(fns) == 1:
        return fns[0]

    def handle(ev, p, i):
        for fn in fns:
            fn(ev, p, i)
    return handle


class Model:
    """The run as an observer sees it: events fed one at a time, in order, to one handler per kind.

    This is the observer contract every consumer of a run follows (docs/design.md, section 4):
    state comes from the events alone, never from the kernel's objects. A new event kind that
    the checker should see gets a handler here (`_on_KIND`, found by name) and nothing else.

    `facets`: what to follow beyond each process's life (creation, exec, exit, output):
    a model fed live for `check` follows only what the scenario's expectations read
    (check/needs.py); asked anything else, it raises TraceWanted and the run is checked again
    from its recorded trace by a model that follows everything."""

    def __init__(self, trace: Optional[Trace] = None, facets: frozenset = ALL) -> None:
        self.facets = facets
        # without a trace the model is fed as the kernel runs (check/monitor.py), then closed
        self.trace = trace
        self.end = trace.end_time if trace is not None else 0
        self.procs: list[ProcInfo] = []
        self.by_pid_history: dict[int, list[ProcInfo]] = {}
        self.by_label: dict[str, list[ProcInfo]] = {}
        self.output = OutputLog()
        self.deadlock: Optional[TraceEvent] = None
        self._current: dict[int, ProcInfo] = {}        # each PID's newest process
        self._spans: dict[tuple, Covered] = {}
        self._index = -1
        chains: dict[str, list] = {}
        self._follow(chains, "_on_")
        if REAPS in facets:
            self.zombie_count = History(0, 0)
            self._follow(chains, "_rp_")
        if TIMELINE in facets:
            self.cpu_switches: dict[int, list[int]] = {}
            self.cpu_busy: dict[int, list[list[int]]] = {}
            self.disk: list[list[int]] = []          # [start, end] of every wait in state D; end -1 while on
            self.disk_busy: list[tuple[int, int, int]] = []  # merged: (start, end, busy time before start)
            self._follow(chains, "_tl_")
        if INSTANTS in facets:
            self.change_times: list[int] = [0]
        if trace is not None:
            self._follow(chains, "_ev_")             # which records are about whom, for explanations
        # observers of their own, fed the same events
        makers = {"files": FileModel, "sockets": SocketModel, "jobs": JobModel, "creds": CredModel,
                  "maps": MapModel}                    # maps: each process's memory map
        for name in OBSERVERS:
            if name not in facets:
                continue
            observer = EnergyModel(trace.cpus if trace is not None else 0) if name == "energy" else makers[name](self)
            setattr(self, name, observer)
            for kind, fn in observer.handlers.items():
                chains.setdefault(kind, []).append(fn)
        self._handlers = {kind: _chain(fns) for kind, fns in chains.items()}
        if trace is not None:
            for ev in trace.events:
                self.feed(ev)
            self.finish()
        else:
            self.feed = self._live_feed()

    def _follow(self, chains: dict[str, list], prefix: str) -> None:
        for kind in FIELDS:
            fn = getattr(self, prefix + kind, None)
            if fn is not None:
                chains.setdefault(kind, []).append(fn)

    def __getattr__(self, name: str):
        if name == "facets":
            raise AttributeError(name)
        unfed(name, MODEL_FACET, self.facets)

    def close(self, trace: Trace) -> None:
        """A model fed live: the run is over and this is what it ended with."""
        self.trace = trace
        self.end = trace.end_time
        if "energy" in self.facets:
            self.energy.machine(trace.cpus)
        self.finish()

    def release(self) -> None:
        """Checked and done with. The handlers are bound methods of the model and of its observers,
        so each is a cycle, and everything the model holds (a ProcInfo per process, its lists)
        would wait for the cyclic collector, which scans all of it; without them reference
        counting frees it at once. The live feed (which the kernel, itself a cycle, holds) keeps
        the two tables it reads, so they are emptied. The model answers no more events after this."""
        self._handlers.clear()
        self._current.clear()
        for name in OBSERVERS:
            observer = self.__dict__.pop(name, None)
            if observer is not None:
                observer.handlers.clear()

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
        """One recorded event: its handlers, and its index noted on the process it is about."""
        self._index += 1
        t = ev[0]
        if INSTANTS in self.facets and self.change_times[-1] != t:
            self.change_times.append(t)
        kind, pid = ev[3], ev[2]
        if kind not in ("spawn", "fork") and pid > 0:
            p = self._current.get(pid)
            if p is not None:
                p.events.append(self._index)
        else:
            p = None
        handler = self._handlers.get(kind)
        if handler is not None:
            handler(ev, p, self._index)

    def unheard(self) -> frozenset:
        """The kinds of record a model fed live does nothing with: no handler follows them and no
        facet counts every instant. The kernel may keep them from it (check/monitor.Feed); the
        indexes the handlers get then count only the records they see, in the same order."""
        if INSTANTS in self.facets:
            return frozenset()
        return frozenset(FIELDS).difference(self._handlers)

    def _live_feed(self):
        """`feed` for a run fed as it happens: only the kinds someone follows cost more than a look-up."""
        get = self._handlers.get
        current = self._current.get
        times = self.change_times if INSTANTS in self.facets else None
        index = -1

        def feed(ev: tuple) -> None:
            # the kernel hands a plain (time, cpu, pid, kind, detail) tuple: a TraceEvent is made
            # only for a record some handler reads
            nonlocal index
            index += 1
            if times is not None and times[-1] != ev[0]:
                times.append(ev[0])
            kind = ev[3]
            handler = get(kind)
            if handler is not None:
                pid = ev[2]
                # as `feed` does: a spawn or fork is about a process the handler is about to make
                handler(new_event(ev), current(pid) if pid > 0 and kind != "fork" and kind != "spawn" else None, index)
        return feed

    def finish(self) -> None:
        """The run is over: names are final and what was still running ends at the end time."""
        for label, procs in self.by_label.items():
            for p in procs:
                p.name = display_name(label, p.index, len(procs))
        if TIMELINE not in self.facets:
            return
        end = self.end
        for p in self.procs:
            if p.runs and p.runs[-1][1] < 0:
                p.runs[-1][1] = end
        for busy in self.cpu_busy.values():
            if busy and busy[-1][1] < 0:
                busy[-1][1] = end
        self.disk_busy = _merged([(a, b if b >= 0 else end) for a, b in self.disk])

    # one handler per event kind: (event, the process it is about or None, its index in the run).
    # _on_: each process's life, always followed; _rp_: the reaps facet; _tl_: the timeline facet; _ev_: a recorded
    # trace's records noted on the processes they are about, besides the one that emitted them
    def _on_spawn(self, ev: TraceEvent, _p, i: int) -> None:
        d = ev.detail
        self._new(ev.pid, d[1], d[2], ev.time, i, d[0], d[3], d[4], d[5])

    def _on_fork(self, ev: TraceEvent, _p, i: int) -> None:
        d = ev.detail
        parent = self._current[ev.pid]
        self._new(d[0], d[1], d[2], ev.time, i, ev.pid, parent.cmd.values[-1], parent.nice.values[-1], parent.uid)

    def _ev_fork(self, ev: TraceEvent, _p, i: int) -> None:
        self._current[ev.pid].events.append(i)

    def _tl_switch(self, ev: TraceEvent, p, i: int) -> None:
        t, cpu, d = ev.time, ev.cpu, ev.detail
        prev = self._current.get(d[0]) if d[0] > 0 else None
        self.cpu_switches.setdefault(cpu, []).append(t)
        busy = self.cpu_busy.setdefault(cpu, [])
        if busy and busy[-1][1] < 0:
            busy[-1][1] = t
        if prev is not None:
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

    def _ev_switch(self, ev: TraceEvent, _p, i: int) -> None:
        prev = self._current.get(ev.detail[0]) if ev.detail[0] > 0 else None
        if prev is not None:
            prev.events.append(i)

    def _tl_block(self, ev: TraceEvent, p, _i: int) -> None:
        t = ev.time
        p.state.set(t, STATE_NAMES.get(ev.detail[0], "sleeping"))
        if ev.detail[0] == "D":
            p.disk_wait = [t, -1]
            self.disk.append(p.disk_wait)
        if p.runs and p.runs[-1][1] < 0:
            p.runs[-1][1] = max(t, p.runs[-1][0])

    def _tl_wake(self, ev: TraceEvent, p, _i: int) -> None:
        p.state.set(ev.time, "ready")
        if p.disk_wait is not None:
            p.disk_wait[1] = ev.time
            p.disk_wait = None
        p.ready_since = ev.time

    def _on_stop(self, ev: TraceEvent, p, i: int) -> None:
        p.stops.append((ev.time, i, ev.detail[0]))

    def _tl_stop(self, ev: TraceEvent, p, _i: int) -> None:
        t = ev.time
        p.state.set(t, "stopped")
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
        p.exit_time, p.exit_index = t, i
        p.exit_code, p.exit_signal = ev.detail[0], ev.detail[1]
        p.exit_cpu = ev.cpu
        p.core_dumped = bool(ev.detail[2]) if len(ev.detail) > 2 else False

    def _rp_exit(self, ev: TraceEvent, _p, _i: int) -> None:
        count = self.zombie_count
        count.set(ev.time, count.values[-1] + 1)

    def _tl_exit(self, ev: TraceEvent, p, _i: int) -> None:
        t = ev.time
        p.state.set(t, "zombie")
        p.ready_since = None
        if p.disk_wait is not None:           # killed in an I/O when PID 1 exited
            p.disk_wait[1] = t
            p.disk_wait = None
        if p.runs and p.runs[-1][1] < 0:
            p.runs[-1][1] = max(t, p.runs[-1][0])

    def _rp_reap(self, ev: TraceEvent, _p, i: int) -> None:
        child = self.proc(ev.detail[0])
        child.reap_time, child.reap_index, child.reaper = ev.time, i, ev.pid
        count = self.zombie_count
        count.set(ev.time, count.values[-1] - 1)

    def _tl_reap(self, ev: TraceEvent, _p, _i: int) -> None:
        self.proc(ev.detail[0]).state.set(ev.time, "reaped")

    def _ev_reap(self, ev: TraceEvent, _p, i: int) -> None:
        self.proc(ev.detail[0]).events.append(i)

    def _ev_waited(self, ev: TraceEvent, _parent, i: int) -> None:
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

    def _tl_migrate(self, ev: TraceEvent, p, _i: int) -> None:
        p.migrations.append(ev.time)

    def _tl_cache(self, ev: TraceEvent, p, _i: int) -> None:
        spans = p.warm.setdefault(ev.cpu, [])
        if ev.detail[0] == "warm":
            spans.append([ev.time, -1])
        elif spans and spans[-1][1] < 0:
            spans[-1][1] = ev.time

    def _tl_level(self, ev: TraceEvent, p, _i: int) -> None:
        if p.level is None:
            p.level = History(ev.time, ev.detail[0])
        else:
            p.level.set(ev.time, ev.detail[0])

    def _ev_signal(self, ev: TraceEvent, _sender, i: int) -> None:
        target = self.proc(ev.detail[0]) if ev.detail[0] > 0 else None
        if target is not None:
            target.events.append(i)

    def _on_deadlock(self, ev: TraceEvent, _p, _i: int) -> None:
        self.deadlock = ev

    def _new(self, pid, label, index, t, i, ppid, cmd, nice, uid) -> ProcInfo:
        p = ProcInfo(pid, label, index, f"{label}[{index}]", t, i, ppid, cmd, nice, uid, self.facets)
        self.procs.append(p)
        self.by_pid_history.setdefault(pid, []).append(p)
        self._current[pid] = p
        self.by_label.setdefault(label, []).append(p)
        return p

    # ------------------------------------------------------------------ queries at an instant
    def exists(self, p: ProcInfo, t: int) -> bool:
        return p.created <= t and (p.reap_time is None or p.reap_time > t)

    # a process's runs and waits, and a CPU's busy spans, follow one another without overlapping,
    # so the time they cover up to t is a binary search; built on the first question, after the run
    def _covered(self, what: str, key, intervals) -> Covered:
        covered = self._spans.get((what, key))
        if covered is None:
            covered = self._spans[(what, key)] = Covered(intervals)
        return covered

    def cpu_time(self, p: ProcInfo, t: int) -> int:
        return self._covered("runs", p, p.runs).until(t)

    def wait_time(self, p: ProcInfo, t: int) -> int:
        total = self._covered("waits", p, p.waits).until(t)
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
        return self._covered("busy", cpu, self.cpu_busy.get(cpu, [])).until(t) / t


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
