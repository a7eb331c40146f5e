"""A run as pictures need it: per-CPU slices, per-process states, the tree's changes and arrows.

`Story` is an observer (docs/design.md, section 4): it is fed the run's events one at a
time, with one `_on_KIND` handler per kind it draws, and never sees the kernel. Every view
and export (timelines, trees, SVG, HTML, Chrome JSON, ftrace, timehist) reads a `Story`,
so an event kind added later reaches all of them through one new handler here.
"""

from __future__ import annotations

from typing import Optional

from procdsl.core.events import FIELDS, Trace, TraceEvent
from procdsl.core.linux import KEYS, SIGHUP, SIGNAL_NAMES
from procdsl.ir.unparse import format_duration
from procdsl.trace.cause import Cause
from procdsl.trace.maps import describe_memory
from procdsl.trace.text import describe, display_name

# process states as pictures show them; the letters are ps's
STATE_LETTER = {"running": "R", "ready": "R", "sleeping": "S", "disk": "D", "stopped": "T", "zombie": "Z"}


class Proc:
    """One process (a PID is reused after reaping; each use is its own Proc, `key` in creation order)."""

    __slots__ = ("key", "pid", "label", "index", "name", "created", "ppids", "cmds", "states", "exit",
                 "reaped", "reaper", "cpu", "woken")

    def __init__(self, key: int, pid: int, label: str, index: int, t: int, ppid: int, cmd: str) -> None:
        self.key, self.pid, self.label, self.index = key, pid, label, index
        self.name = f"{label}[{index}]"
        self.created = t
        self.ppids: list[tuple[int, int]] = [(t, ppid)]       # (time, parent pid)
        self.cmds: list[tuple[int, str]] = [(t, cmd)]
        self.states: list[tuple[int, str]] = [(t, "ready")]   # (from time, state)
        self.exit: Optional[tuple[int, int, int]] = None      # (time, code, signal)
        self.reaped: Optional[int] = None
        self.reaper: Optional[int] = None
        self.cpu = -1                                         # the CPU it is on, -1 when off
        self.woken: Optional[int] = None                      # index in Story.arrows of its last wake-up

    def set_state(self, t: int, state: str) -> None:
        if self.states[-1][0] == t:
            self.states[-1] = (t, state)
            if len(self.states) > 1 and self.states[-2][1] == state:
                self.states.pop()
        elif self.states[-1][1] != state:
            self.states.append((t, state))

    def at(self, history: list, t: int):
        value = history[0][1]
        for when, v in history:
            if when > t:
                break
            value = v
        return value

    def alive_at(self, t: int) -> bool:
        return self.created <= t and (self.reaped is None or self.reaped > t)

    def intervals(self, end: int) -> list[tuple[int, int, str]]:
        """(start, end, state) for the process's life up to its reaping or `end`."""
        stop = self.reaped if self.reaped is not None else end
        out = []
        for i, (t, state) in enumerate(self.states):
            t1 = self.states[i + 1][0] if i + 1 < len(self.states) else stop
            if t1 > t:
                out.append((t, min(t1, stop), state))
        return out


class Slice:
    """A stretch of one CPU: a process running, or the switch into it (`switching`)."""

    __slots__ = ("cpu", "start", "end", "proc", "switching")

    def __init__(self, cpu: int, start: int, proc: Proc, switching: bool) -> None:
        self.cpu, self.start, self.end, self.proc, self.switching = cpu, start, -1, proc, switching


class Arrow:
    """Something passing from one process to another: a signal, pipe or socket data, or a wake-up.

    `src`/`dst` are Procs or None (outside the machine, the kernel, a timer); `t1` is when it
    arrived (a signal acted on, data read, a woken task running), equal to `t0` if never."""

    __slots__ = ("kind", "t0", "src", "t1", "dst", "label", "cpu0", "cpu1")

    def __init__(self, kind: str, t0: int, src: Optional[Proc], dst: Optional[Proc], label: str,
                 cpu0: int = -1) -> None:
        self.kind, self.t0, self.src, self.t1, self.dst, self.label = kind, t0, src, t0, dst, label
        self.cpu0, self.cpu1 = cpu0, -1


class Change:
    """A change of the process tree: spawn, fork, exec, exit, reparent, reap."""

    __slots__ = ("time", "kind", "proc", "other", "text", "index")

    def __init__(self, time: int, kind: str, proc: Proc, other: Optional[Proc], text: str, index: int) -> None:
        self.time, self.kind, self.proc, self.other, self.text, self.index = time, kind, proc, other, text, index


class Story:
    """The observer that turns a run's events into slices, states, tree changes and arrows."""

    def __init__(self, cpus: int) -> None:
        self.cpus = cpus
        self.procs: list[Proc] = []
        self.live: dict[int, Proc] = {}            # pid -> the process that has it now
        self.by_pid: dict[int, list[Proc]] = {}    # pid -> every process that had it, in order
        self.slices: list[list[Slice]] = [[] for _ in range(cpus)]
        self.arrows: list[Arrow] = []
        self.changes: list[Change] = []
        self.points: list[tuple[int, Optional[Proc], str, str]] = []   # (time, proc, kind, text)
        self.end = 0
        self.end_reason = ""
        self.index = -1
        self._cause = Cause()                      # who woke whom, who a kernel signal is for
        self._signals: dict[tuple[int, int], list[int]] = {}   # (target key, signal) -> arrows waiting
        self._pipes: dict[tuple[str, int], list] = {}  # (pipe or socket, id) -> [bytes read so far, [(from, to, arrow)…]]
        self._written: dict[tuple[str, int], int] = {}
        self._key: tuple[int, int, str] = (-1, 0, "")   # (time, signal, key) of the last keypress or hangup
        self._handlers = {k: getattr(self, "_on_" + k) for k in FIELDS if hasattr(self, "_on_" + k)}

    @classmethod
    def of(cls, trace: Trace) -> Story:
        story = cls(trace.cpus)
        for ev in trace.events:
            story.feed(ev)
        story.finish(trace.end_time, trace.end_reason)
        return story

    def feed(self, ev: TraceEvent) -> None:
        self.index += 1
        handler = self._handlers.get(ev.kind)
        if handler is not None:
            handler(ev, self.live.get(ev.pid) if ev.pid > 0 else None)
        self._cause.seen(ev)

    def finish(self, end: int, reason: str) -> None:
        self.end, self.end_reason = end, reason
        counts: dict[str, int] = {}
        for p in self.procs:
            counts[p.label] = counts.get(p.label, 0) + 1
        for p in self.procs:
            p.name = display_name(p.label, p.index, counts[p.label])
        for lane in self.slices:
            if lane and lane[-1].end < 0:
                lane[-1].end = end

    # ------------------------------------------------------------------ queries
    def name(self, p: Optional[Proc]) -> str:
        return p.name if p is not None else "outside"

    def parent(self, p: Proc, t: int) -> Optional[Proc]:
        ppid = p.at(p.ppids, t)
        return next((q for q in reversed(self.by_pid.get(ppid, ())) if q.alive_at(t)), None)

    def alive(self, t: int) -> list[Proc]:
        return [p for p in self.procs if p.alive_at(t)]

    def busy(self, cpu: int, t0: int, t1: int) -> list[Slice]:
        return [s for s in self.slices[cpu] if s.end > t0 and s.start < t1]

    # ------------------------------------------------------------------ the observer
    def _new(self, pid: int, label: str, index: int, t: int, ppid: int, cmd: str) -> Proc:
        p = Proc(len(self.procs), pid, label, index, t, ppid, cmd)
        self.procs.append(p)
        self.live[pid] = p
        self.by_pid.setdefault(pid, []).append(p)
        return p

    def _change(self, ev: TraceEvent, kind: str, p: Proc, other: Optional[Proc], text: str) -> None:
        self.changes.append(Change(ev.time, kind, p, other, text, self.index))

    def _close_slice(self, cpu: int, t: int) -> None:
        lane = self.slices[cpu] if 0 <= cpu < self.cpus else None
        if lane and lane[-1].end < 0:
            lane[-1].end = max(t, lane[-1].start)

    def _on_spawn(self, ev: TraceEvent, _p) -> None:
        d = ev.detail
        p = self._new(ev.pid, d[1], d[2], ev.time, d[0], d[3])
        self._change(ev, "spawn", p, None, f"run {d[3]}")

    def _on_fork(self, ev: TraceEvent, parent) -> None:
        d = ev.detail
        child = self._new(d[0], d[1], d[2], ev.time, ev.pid, parent.cmds[-1][1] if parent else "?")
        self._change(ev, "fork", parent or child, child, "fork")

    def _on_exec(self, ev: TraceEvent, p) -> None:
        p.cmds.append((ev.time, ev.detail[0]))
        self._change(ev, "exec", p, None, f"exec {ev.detail[0]}")

    def _on_switch(self, ev: TraceEvent, p) -> None:
        t, cpu, (prev_pid, why, cost) = ev.time, ev.cpu, ev.detail
        self._close_slice(cpu, t)
        prev = self.live.get(prev_pid) if prev_pid > 0 else None
        if prev is not None and prev.cpu == cpu:
            prev.cpu = -1
            if why == "preempted":
                prev.set_state(t, "ready")
        if p is None:
            return
        lane = self.slices[cpu]
        if cost:
            lane.append(Slice(cpu, t, p, True))
            lane[-1].end = t + cost
        lane.append(Slice(cpu, t + cost, p, False))
        p.cpu = cpu
        p.set_state(t, "running")
        if p.woken is not None:
            arrow = self.arrows[p.woken]
            arrow.t1, arrow.cpu1 = t + cost, cpu
            p.woken = None

    def _leave(self, ev: TraceEvent, p: Proc, state: str) -> None:
        if p.cpu >= 0:
            self._close_slice(p.cpu, ev.time)
            p.cpu = -1
        p.set_state(ev.time, state)

    def _on_block(self, ev: TraceEvent, p) -> None:
        self._leave(ev, p, "disk" if ev.detail[0] == "D" else "sleeping")

    def _on_stop(self, ev: TraceEvent, p) -> None:
        self._leave(ev, p, "stopped")
        self.points.append((ev.time, p, "stop", f"stopped by {SIGNAL_NAMES.get(ev.detail[0], ev.detail[0])}"))

    def _on_cont(self, ev: TraceEvent, p) -> None:
        p.set_state(ev.time, "sleeping")
        self.points.append((ev.time, p, "cont", "continued"))

    def _on_wake(self, ev: TraceEvent, p) -> None:
        p.set_state(ev.time, "ready")
        cause = self._cause.waker(ev)
        waker = self.live.get(cause.pid) if cause is not None else None
        self.arrows.append(Arrow("wake", ev.time, waker, p, ev.detail[0], cause.cpu if waker else -1))
        p.woken = len(self.arrows) - 1

    def _on_exit(self, ev: TraceEvent, p) -> None:
        self._leave(ev, p, "zombie")
        p.exit = (ev.time, ev.detail[0], ev.detail[1])
        text = f"killed by {SIGNAL_NAMES.get(ev.detail[1], ev.detail[1])}" if ev.detail[1] else f"exit {ev.detail[0]}"
        if len(ev.detail) > 2 and ev.detail[2]:
            text += " (core dumped)"
        self._change(ev, "exit", p, None, text)

    def _on_reparent(self, ev: TraceEvent, p) -> None:
        p.ppids.append((ev.time, ev.detail[0]))
        self._change(ev, "reparent", p, self.live.get(ev.detail[0]), "re-parented")

    def _on_reap(self, ev: TraceEvent, parent) -> None:
        child = self.live.pop(ev.detail[0], None)
        if child is None:
            return
        child.reaped, child.reaper = ev.time, parent.key if parent else None
        child.set_state(ev.time, "reaped")
        self._change(ev, "reap", parent or child, child, "reap")

    def _on_signal(self, ev: TraceEvent, sender) -> None:
        target_pid, sig, outcome, source = ev.detail[:4]
        target = self.live.get(target_pid) if target_pid > 0 else None
        name = SIGNAL_NAMES.get(sig, str(sig))
        key_t, key_sig, key = self._key
        if source == "kernel" and key_t == ev.time and key_sig == sig:     # from the terminal: a keypress
            sender, name = None, f"{name} ({key})"
        elif source == "kernel":           # drawn from the process it is about: a child's exit for SIGCHLD
            sender = self.live.get(self._cause.sender(ev))
        arrow = Arrow("signal", ev.time, sender, target, f"{name}: {outcome}", ev.cpu if sender else -1)
        self.arrows.append(arrow)
        if target is not None and outcome in ("pending", "continues it", "blocked, stays pending"):
            self._signals.setdefault((target.key, sig), []).append(len(self.arrows) - 1)

    def _on_handle(self, ev: TraceEvent, p) -> None:
        waiting = self._signals.get((p.key, ev.detail[0]))
        if waiting:
            for i in waiting:             # standard signals do not queue: one delivery ends them all
                self.arrows[i].t1, self.arrows[i].cpu1 = ev.time, ev.cpu
                self.arrows[i].label += f" -> {ev.detail[1]}"
            waiting.clear()

    def _on_write(self, ev: TraceEvent, p) -> None:
        fd, obj, pipe, n = ev.detail[:4]
        if obj != "pipe" and obj != "socket":      # a file's data goes nowhere a picture can point to
            return
        key = (obj, pipe)
        # a socket's write says where its bytes start; a pipe's are counted here
        start = self._written.get(key, 0) if obj == "pipe" else ev.detail[5]
        self._written[key] = start + n
        arrow = Arrow("data", ev.time, p, None, f"{n} byte(s) into {obj}#{pipe}", ev.cpu)
        self.arrows.append(arrow)
        self._pipes.setdefault(key, [0, []])[1].append((start, start + n, arrow))

    def _on_read(self, ev: TraceEvent, p) -> None:
        fd, obj, pipe, n = ev.detail[:4]
        if obj != "pipe" and obj != "socket":
            return
        if not n:
            self.points.append((ev.time, p, "eof", f"end of file on {obj}#{pipe}"))
            return
        state = self._pipes.setdefault((obj, pipe), [0, []])
        done, writes = state[0], state[1]
        if obj == "socket":                # where this read starts: a datagram's cut-off rest is skipped
            done = ev.detail[5]
            while writes and writes[0][1] <= done:
                writes.pop(0)
        state[0] = done + n
        while writes and writes[0][0] < done + n:
            a, b, arrow = writes[0]
            if arrow.dst is None:
                arrow.dst, arrow.t1, arrow.cpu1 = p, ev.time, ev.cpu
            else:                          # a write read in pieces: one more arrow for the later piece
                more = Arrow("data", arrow.t0, arrow.src, p, arrow.label, arrow.cpu0)
                more.t1, more.cpu1 = ev.time, ev.cpu
                self.arrows.append(more)
            if b <= done + n:
                writes.pop(0)
            else:
                break

    def _on_waited(self, ev: TraceEvent, p) -> None:
        child, change, sig = ev.detail
        how = f"stopped by {SIGNAL_NAMES.get(sig, sig)}" if change == "stopped" else change
        self.points.append((ev.time, p, "waited", f"wait: pid {child} {how}"))

    def _on_timer(self, ev: TraceEvent, p) -> None:
        self.points.append((ev.time, p, "timer", describe(ev, {})))     # "ITIMER_REAL: SIGALRM in 5ms"

    def _on_output(self, ev: TraceEvent, p) -> None:
        self.points.append((ev.time, p, "output", ev.detail[1]))

    def _on_press(self, ev: TraceEvent, _p) -> None:
        key = ev.detail[0]
        self._key = (ev.time, KEYS[key][1], key)
        self.points.append((ev.time, None, "press", f"{key} pressed at the terminal"))

    def _on_type(self, ev: TraceEvent, _p) -> None:
        self.points.append((ev.time, None, "type", f"typed {ev.detail[0]!r}"))

    def _on_hangup(self, ev: TraceEvent, _p) -> None:
        self._key = (ev.time, SIGHUP, "hangup")
        self.points.append((ev.time, None, "hangup", "the terminal hung up"))

    def _on_level(self, ev: TraceEvent, p) -> None:
        # an mlfq job's level at arrival and at each move: the points where it sinks or is boosted
        self.points.append((ev.time, p, "level", f"mlfq level {ev.detail[0]}"))

    def _on_cache(self, ev: TraceEvent, p) -> None:
        self.points.append((ev.time, p, "cache", f"{ev.detail[0]} in cpu{ev.cpu}'s cache"))

    def _on_fail(self, ev: TraceEvent, p) -> None:
        self.points.append((ev.time, p, "fail", f"{ev.detail[0]} failed (errno {ev.detail[1]})"))

    def _on_cred(self, ev: TraceEvent, p) -> None:
        d = ev.detail
        self.points.append((ev.time, p, "cred", f"{d[0]}: uid {d[1]} euid {d[2]} suid {d[3]}, gid {d[4]} egid {d[5]}"))

    def _on_segv(self, ev: TraceEvent, p) -> None:
        self.points.append((ev.time, p, "segv", describe_memory("segv", ev.detail)))

    def _on_mmap(self, ev: TraceEvent, p) -> None:
        self.points.append((ev.time, p, "mmap", describe_memory("mmap", ev.detail)))

    def _on_munmap(self, ev: TraceEvent, p) -> None:
        self.points.append((ev.time, p, "munmap", describe_memory("munmap", ev.detail)))

    def _on_cstate(self, ev: TraceEvent, _p) -> None:
        state, idle, latency = ev.detail
        self.points.append((ev.time, None, "cstate", f"cpu{ev.cpu} wakes from {state} after {format_duration(idle)} "
                                                     f"idle (+{format_duration(latency)} exit latency)"))

    def _on_fault(self, ev: TraceEvent, _p) -> None:
        self.points.append((ev.time, None, "fault", ev.detail[0]))

    def _on_deadlock(self, ev: TraceEvent, _p) -> None:
        self.points.append((ev.time, None, "deadlock", "; ".join(ev.detail[0])))

    def _on_limit(self, ev: TraceEvent, _p) -> None:
        self.points.append((ev.time, None, "limit", f"{ev.detail[0]} = {ev.detail[1]}"))
