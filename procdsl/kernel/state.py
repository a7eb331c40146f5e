"""What a kernel holds, declared in one place.

The kernel's methods live in a chain of classes, one module each (cache.py, steal.py,
runqueue.py, lifecycle.py, loop.py); every attribute any of them reads or writes is declared
here, with its type, and kept in a slot. A slotted instance is also what makes the hot path's
attribute and method look-ups the interpreter's fast kind: a `Kernel` has more attributes than
CPython shares between the dictionaries of a class's instances."""

from __future__ import annotations

import random
from heapq import heappush
from typing import TYPE_CHECKING, Any, Callable

from procdsl.kernel.process import LimitReached

if TYPE_CHECKING:
    from procdsl.kernel.files.fs import FileSystem
    from procdsl.kernel.files.netspace import Net
    from procdsl.kernel.files.terminal import Terminal, TerminalFile
    from procdsl.kernel.jobctl import Groups
    from procdsl.kernel.opsupport import RuntimeProgram
    from procdsl.kernel.process import Cpu, Proc
    from procdsl.kernel.scheduler.base import Scheduler
    from procdsl.plan import EventPlan


class KernelState:
    # What may be None is typed Any, not `X | None`, for the reason given at process.Proc.
    __slots__ = (
        "plan", "now", "seq", "heap", "cpu_heap", "_events", "record", "compact", "unheard", "rng", "cpus",
        "shared_queue", "sched", "policy", "cs_cost", "refill", "step", "copy_ns", "pid_max", "pids_full",
        "limits", "max_events", "until", "balance_interval", "balance_pending", "balance", "peek_interval", "next_peek",
        "passes", "in_pass", "caches", "cache_size", "cache_warmup", "warm_rate", "cold_rate", "exact_slices",
        "homing", "programs", "chooser", "exploring", "tick_ns", "whole_ticks", "procs", "by_label",
        "label_names", "last_pid", "nprocs", "alive", "pending_spawns", "nsteps", "output_bytes", "stopped",
        "current", "next_pipe", "net", "tty", "groups", "jobs", "tty_file", "fs", "installed", "next_mutex",
        "power", "mm_ptes", "init", "fault", "cpu_timers", "next_sib", "dumps_core", "core_action",
    )

    # the clock and the event heaps (kernel/loop.py)
    plan: EventPlan
    now: int
    seq: int
    heap: list
    cpu_heap: list
    _events: Any                      # a Records store, a live check's Feed, or a plain list
    record: Callable[[tuple], Any]
    compact: Callable[[], Any]
    unheard: frozenset
    rng: random.Random
    # CPUs, the policy and the machine's costs
    cpus: list[Cpu]
    shared_queue: bool
    sched: Scheduler                  # what the kernel calls: the policy, or the rt layer above it
    policy: Scheduler                 # the machine's policy (scheduler/), under the rt layer if any
    cs_cost: int
    refill: int
    step: int
    copy_ns: int
    pid_max: int
    pids_full: int
    limits: Any
    max_events: int                   # limits.max_events, read once a CPU event (a pydantic field is slower)
    until: int
    exact_slices: bool
    homing: bool
    tick_ns: int
    whole_ticks: bool
    current: Any                      # the Cpu running a task inline, or None
    power: Any                        # the sleep states (core/power.py), or None
    # balancing (runqueue.py) and multi.py's passes (steal.py)
    balance_interval: int
    balance_pending: bool
    balance: str
    peek_interval: int
    next_peek: int
    passes: Any                       # set[int], or None without multi.py's passes
    in_pass: Any                      # the Pass under way, or None
    # the cache model (cache.py)
    caches: Any                       # list[CpuCache], or None without a cache model
    cache_size: int
    cache_warmup: int
    warm_rate: int
    cold_rate: int
    # programs and the chooser of open choices (chooser.py)
    programs: dict[str, RuntimeProgram]
    chooser: Any                      # a Chooser, or the explorer's Script
    exploring: bool
    # processes (lifecycle.py)
    procs: dict[int, Proc]
    by_label: dict[str, list[int]]
    label_names: dict[int, str]
    last_pid: int
    nprocs: int
    alive: int
    pending_spawns: int
    init: Any                         # PID 1: a Proc once the run starts
    next_sib: int
    jobs: list[int]
    # limits and how the run ended
    nsteps: int
    output_bytes: int
    stopped: str
    fault: Any                        # the ProgramFault that ended the run, or None
    dumps_core: bool
    core_action: str
    cpu_timers: bool
    # files, pipes, sockets, the terminal, memory
    next_pipe: int
    net: Net
    tty: Terminal
    groups: Groups
    tty_file: TerminalFile
    fs: FileSystem
    installed: dict[str, str]
    next_mutex: int
    mm_ptes: int

    # ------------------------------------------------------------------ plumbing every link uses
    def post(self, time: int, prio: int, fn: Any, a: Any, b: Any = None) -> None:
        self.seq += 1
        heappush(self.heap, (time, prio, self.seq, fn, a, b))

    def emit(self, cpu: int, pid: int, kind: str, detail: tuple) -> None:
        # trace records count toward max_events too: a loop that only prints or only
        # re-raises a signal must hit the limit as fast as one that only computes
        self.nsteps += 1
        if kind == "output":
            self.count_output(detail[1])
        if kind not in self.unheard:
            self.record((self.now, cpu, pid, kind, detail))

    def count_output(self, text: str) -> None:
        """Terminal output is kept whole in the trace, so its total is bounded (max_output bytes)."""
        self.output_bytes += len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
        if self.output_bytes > self.limits.max_output:
            raise LimitReached("max_output", self.limits.max_output)

    def cpu_of(self, p: Proc) -> int:
        return p.cpu.id if p.cpu is not None else -1

    # -------------------------------------------- defined further up the chain, called from below it
    def cpu_event(self, cpu: Cpu, gen: int) -> bool:
        """Run `cpu`'s task from now (Kernel, loop.py): the CPUs' events on the heaps call it."""
        raise NotImplementedError

    def schedule(self, cpu: Cpu, prev: Proc | None, why: str) -> None:
        """Choose what `cpu` runs next (runqueue.py)."""
        raise NotImplementedError

    def put_back(self, cpu: Cpu, p: Proc) -> None:
        """Queue the running `p` on `cpu` again (runqueue.py)."""
        raise NotImplementedError

    def settle(self, cpu: Cpu, p: Proc) -> None:
        """Count the compute done in the current segment (runqueue.py)."""
        raise NotImplementedError

    def kick(self, cpu: Cpu) -> None:
        """Interrupt a running CPU (runqueue.py)."""
        raise NotImplementedError
