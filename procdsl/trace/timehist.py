"""The run as `perf sched timehist` prints it: one row each time a task leaves a CPU.

Columns as perf's: the time of the switch out, the CPU, the task (`name[pid]`, `<idle>`),
wait time (asleep before it was woken), scheduling delay (woken or preempted until it ran)
and run time. perf measures from its events' timestamps; these come from the run's, in ms.
"""

from __future__ import annotations

from typing import Iterable

from procdsl.core.events import FIELDS, Trace, TraceEvent
from procdsl.trace.text import names_in_order

HEAD = ("           time    cpu  task name                       wait time  sch delay   run time",
        "                        [tid/pid]                          (msec)     (msec)     (msec)",
        "--------------- ------  ------------------------------  ---------  ---------  ---------")


def _ms(ns: int) -> str:
    return f"{ns / 1e6:9.3f}"


class TimeHist:
    """An observer of switches and wake-ups; a row per stretch of a CPU."""

    def __init__(self, cpus: int) -> None:
        self.rows: list[tuple[int, int, str, int, int, int]] = []   # time, cpu, task, wait, delay, run
        self.on_cpu: dict[int, tuple[int, int]] = {c: (0, 0) for c in range(cpus)}   # cpu -> (pid, since)
        self.out_at: dict[int, int] = {}      # pid -> when it last left a CPU
        self.ready_at: dict[int, int] = {}    # pid -> when it last became runnable
        self.slept: dict[int, bool] = {}      # pid -> left the CPU to sleep (wait time counts)
        self._handlers = {k: getattr(self, "_on_" + k) for k in FIELDS if hasattr(self, "_on_" + k)}
        self.names: dict[int, str] = {}

    def feed(self, ev: TraceEvent, names: dict[int, str]) -> None:
        handler = self._handlers.get(ev.kind)
        if handler is not None:
            self.names = names
            handler(ev)

    def _on_spawn(self, ev: TraceEvent) -> None:
        self.ready_at[ev.pid] = ev.time

    def _on_fork(self, ev: TraceEvent) -> None:
        self.ready_at[ev.detail[0]] = ev.time

    def _on_wake(self, ev: TraceEvent) -> None:
        self.ready_at[ev.pid] = ev.time

    def _on_switch(self, ev: TraceEvent) -> None:
        prev, why, _cost = ev.detail
        pid, since = self.on_cpu.get(ev.cpu, (0, 0))
        self._row(ev.time, ev.cpu, pid, since)
        if prev > 0:
            self.out_at[prev] = ev.time
            if why == "preempted":
                self.ready_at[prev] = ev.time
            else:                              # it sleeps (or stops) from now until it is woken
                self.slept[prev] = True
        self.on_cpu[ev.cpu] = (ev.pid, ev.time)

    def _row(self, t: int, cpu: int, pid: int, since: int) -> None:
        if pid <= 0:
            if t > since:
                self.rows.append((t, cpu, "<idle>", 0, 0, t - since))
            return
        ready = self.ready_at.pop(pid, since)
        delay = max(0, since - ready)
        wait = max(0, ready - self.out_at[pid]) if self.slept.pop(pid, False) and pid in self.out_at else 0
        self.rows.append((t, cpu, f"{self.names.get(pid, '?')}[{pid}]", wait, delay, t - since))

    def finish(self, end: int) -> None:
        for cpu, (pid, since) in sorted(self.on_cpu.items()):
            if pid > 0 or since < end:
                self._row(end, cpu, pid, since)
        self.rows.sort(key=lambda r: (r[0], r[1]))


def format_timehist(trace: Trace) -> Iterable[str]:
    hist = TimeHist(trace.cpus)
    for ev, names in zip(trace.events, names_in_order(trace.events)):
        hist.feed(ev, names)
    hist.finish(trace.end_time)
    yield from HEAD
    for t, cpu, task, wait, delay, run in hist.rows:
        secs, rest = divmod(t, 1_000_000_000)
        yield f"{secs:8d}.{rest // 1000:06d} [{cpu:04d}]  {task[:30]:<30}  {_ms(wait)}  {_ms(delay)}  {_ms(run)}"
