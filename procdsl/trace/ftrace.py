"""The run as Linux ftrace text (the `trace` file of tracefs), which Perfetto and TRAPpy-style parsers read.

Lines are `COMM-PID (TGID) [CPU] FLAGS SECONDS.MICROS: EVENT: FIELDS`, with the field
formats of the kernel's sched and signal trace events (include/trace/events/sched.h,
signal.h). Each process is one thread (TGID = PID); the idle task is `<idle>-0`, named
`swapper/N` in sched_switch, as Linux names it. Perfetto builds its scheduler tables from
sched_switch and sched_waking only, so a wake-up is written as both sched_waking and
sched_wakeup. The clock prints microseconds, as the kernel's does, so events less than a
microsecond apart share a timestamp (their order in the file stays the run's). The flags
column is 4 wide, as kernels before 5.x printed it (Linux 6.18 prints 5): TRAPpy reads only
4, Perfetto reads both.

An observer of the events (docs/design.md, section 4): it keeps only each process's comm,
priority and last CPU.
"""

from __future__ import annotations

from typing import Iterable

from procdsl.core.events import FIELDS, Trace, TraceEvent
from procdsl.trace.cause import Cause

FLAGS = "d..2"          # irqs off, preempt depth 2: what sched_switch shows; 4 columns, TRAPpy's width
HEADER = """# tracer: nop
#
# entries-in-buffer/entries-written: {n}/{n}   #P:{cpus}
#
#                                          _-----=> irqs-off/BH-disabled
#                                         / _----=> need-resched
#                                        | / _---=> hardirq/softirq
#                                        || / _--=> preempt-depth
#                                        ||| /     delay
#           TASK-PID       TGID    CPU#  ||||   TIMESTAMP  FUNCTION
#              | |           |       |   ||||      |         |"""
# prev_state as Linux 6.18 prints it (docs/evidence/ftrace_fork_exit.txt): a task preempted at its
# return to user space is R (R+ is kernel-mode preemption, which a .proc program never has)
STATE = {"preempted": "R", "blocked": "S", "exit": "Z", "stopped": "T", "idle": "R"}


def timestamp(ns: int) -> str:
    us = ns // 1000
    return f"{us // 1_000_000:5d}.{us % 1_000_000:06d}"


class Ftrace:
    __slots__ = ("lines", "comm", "prio", "cpu", "state", "running", "_cause", "_handlers")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.comm: dict[int, str] = {0: "<idle>"}
        self.prio: dict[int, int] = {}
        self.cpu: dict[int, int] = {}
        self.state: dict[int, str] = {}      # pid -> prev_state its next switch-out shows
        self.running: dict[int, int] = {}    # cpu -> the pid on it (0: idle)
        self._cause = Cause()                 # who woke whom, who a kernel signal is for
        self._handlers = {k: getattr(self, "_on_" + k) for k in FIELDS if hasattr(self, "_on_" + k)}

    def feed(self, ev: TraceEvent) -> None:
        handler = self._handlers.get(ev.kind)
        if handler is not None:
            handler(ev)
        self._cause.seen(ev)

    def line(self, pid: int, cpu: int, ns: int, event: str, fields: str) -> None:
        comm = self.comm.get(pid, "<...>")
        tgid = f"{pid:>7}" if pid > 0 else "-------"
        self.lines.append(f"{comm:>16}-{pid:<7} ({tgid}) [{max(cpu, 0):03d}] {FLAGS} {timestamp(ns)}: {event}: {fields}")

    def _where(self, ev: TraceEvent, pid: int) -> int:
        return ev.cpu if ev.cpu >= 0 else self.cpu.get(pid, 0)

    def _task(self, pid: int, cpu: int) -> tuple[str, int]:
        return (f"swapper/{cpu}", 120) if pid <= 0 else (self.comm.get(pid, "<...>"), self.prio.get(pid, 120))

    # ------------------------------------------------------------------ the observer
    def _on_spawn(self, ev: TraceEvent) -> None:
        ppid, _label, _index, cmd, nice, _uid = ev.detail
        self.comm[ev.pid] = cmd[:15]
        self.prio[ev.pid] = 120 + nice
        if ppid > 0:
            cpu = self.cpu.get(ppid, 0)
            self.line(ppid, cpu, ev.time, "sched_process_fork",
                      f"comm={self.comm.get(ppid, '<...>')} pid={ppid} child_comm={cmd[:15]} child_pid={ev.pid}")
            self._woken(ppid, cpu, ev.time, ev.pid, "sched_wakeup_new")

    def _on_fork(self, ev: TraceEvent) -> None:
        child = ev.detail[0]
        self.comm[child] = self.comm.get(ev.pid, "<...>")
        self.prio[child] = self.prio.get(ev.pid, 120)
        self.cpu[child] = self._where(ev, ev.pid)
        self.line(ev.pid, self._where(ev, ev.pid), ev.time, "sched_process_fork",
                  f"comm={self.comm[ev.pid]} pid={ev.pid} child_comm={self.comm[child]} child_pid={child}")
        self._woken(ev.pid, self._where(ev, ev.pid), ev.time, child, "sched_wakeup_new")

    def _woken(self, waker: int, cpu: int, ns: int, pid: int, kind: str) -> None:
        target = self.cpu.get(pid, cpu)
        fields = f"comm={self.comm.get(pid, '<...>')} pid={pid} prio={self.prio.get(pid, 120)} target_cpu={target:03d}"
        self.line(waker, cpu, ns, "sched_waking", fields)
        self.line(waker, cpu, ns, kind, fields)

    def _on_exec(self, ev: TraceEvent) -> None:
        self.comm[ev.pid] = ev.detail[0][:15]
        self.line(ev.pid, self._where(ev, ev.pid), ev.time, "sched_process_exec",
                  f"filename={ev.detail[0]} pid={ev.pid} old_pid={ev.pid}")

    def _on_switch(self, ev: TraceEvent) -> None:
        prev, why, _cost = ev.detail
        cpu, nxt = ev.cpu, ev.pid
        prev_comm, prev_prio = self._task(prev, cpu)
        next_comm, next_prio = self._task(nxt, cpu)
        state = self.state.pop(prev, STATE.get(why, "R")) if prev > 0 else "R"
        self.line(prev, cpu, ev.time, "sched_switch",
                  f"prev_comm={prev_comm} prev_pid={prev} prev_prio={prev_prio} prev_state={state} ==> "
                  f"next_comm={next_comm} next_pid={nxt} next_prio={next_prio}")
        if nxt > 0:
            self.cpu[nxt] = cpu
        self.running[cpu] = nxt

    def _on_block(self, ev: TraceEvent) -> None:
        self.state[ev.pid] = ev.detail[0]

    def _on_wake(self, ev: TraceEvent) -> None:
        last = self._cause.waker(ev)
        if last is not None and last.cpu >= 0:
            self._woken(last.pid, last.cpu, ev.time, ev.pid, "sched_wakeup")    # in the waker's context
        else:                       # a timer: in the interrupt, on whatever runs on that CPU then
            cpu = self.cpu.get(ev.pid, 0)
            self._woken(self.running.get(cpu, 0), cpu, ev.time, ev.pid, "sched_wakeup")

    def _on_exit(self, ev: TraceEvent) -> None:
        cpu = self._where(ev, ev.pid)
        self.line(ev.pid, cpu, ev.time, "sched_process_exit",
                  f"comm={self.comm.get(ev.pid, '<...>')} pid={ev.pid} prio={self.prio.get(ev.pid, 120)} "
                  f"group_dead=true")

    def _on_migrate(self, ev: TraceEvent) -> None:
        self.line(ev.pid, self._where(ev, ev.pid), ev.time, "sched_migrate_task",
                  f"comm={self.comm.get(ev.pid, '<...>')} pid={ev.pid} prio={self.prio.get(ev.pid, 120)} "
                  f"orig_cpu={ev.detail[0]} dest_cpu={ev.detail[1]}")
        self.cpu[ev.pid] = ev.detail[1]

    def _on_nice(self, ev: TraceEvent) -> None:
        self.prio[ev.pid] = 120 + ev.detail[0]

    def _on_signal(self, ev: TraceEvent) -> None:
        target, sig, outcome, source = ev.detail[:4]
        if target <= 0:
            return
        res = 0 if outcome in ("pending", "continues it", "blocked, stays pending") else 1
        sender = ev.pid if ev.pid > 0 else self._cause.sender(ev) if source == "kernel" else 0
        sender = max(sender, 0)              # from outside the machine: logged on the idle task
        self.line(sender, self._where(ev, sender), ev.time, "signal_generate",
                  f"sig={sig} errno=0 code=0 comm={self.comm.get(target, '<...>')} pid={target} grp=1 res={res}")

    def _on_handle(self, ev: TraceEvent) -> None:
        self.line(ev.pid, self._where(ev, ev.pid), ev.time, "signal_deliver",
                  f"sig={ev.detail[0]} errno=0 code=0 sa_handler=0 sa_flags=0")


def format_ftrace(trace: Trace) -> Iterable[str]:
    out = Ftrace()
    for ev in trace.events:
        out.feed(ev)
    yield HEADER.format(n=len(out.lines), cpus=trace.cpus)
    yield from out.lines
