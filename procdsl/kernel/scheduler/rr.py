"""Round robin and first-in first-out: one FIFO queue per CPU; RR adds a quantum."""

from __future__ import annotations

from collections import deque
from typing import Sequence

from procdsl.kernel.process import Cpu, Proc
from procdsl.kernel.scheduler.base import SHARED_QUEUE, WAKEUP, Scheduler, first_allowed
from procdsl.kernel.scheduler.turns import TurnQueue

# Fifo.pick_how: the queue's head, or switch_on_end's, io_run_immediate's or a shared queue's pick
PICK_HEAD, PICK_OWNER, PICK_IN_TURN, PICK_ALLOWED = 0, 1, 2, 3


class Fifo(Scheduler):
    """Runs each task until it blocks or exits; wakers and new tasks join the tail.

    Two settings give OSTEP process-run.py's other behaviours (its defaults, SWITCH_ON_IO and
    IO_RUN_LATER, are fifo's): `switch_on_end 1` keeps a CPU for its task while that task
    waits, until it exits; `io_run_immediate 1` lets a task that wakes up preempt at once."""

    name = "fifo"

    def __init__(self, cpus, settings, rng) -> None:
        self.io_run_immediate = bool(settings.get("io_run_immediate", 0))
        self.in_turn = self.io_run_immediate and not settings.get("switch_on_end", 0)
        super().__init__(cpus, settings, rng)
        self.woken: Proc | None = None            # the task io_run_immediate lets preempt
        self.owners: list[Proc | None] = [None] * len(cpus)
        self.last: list[Proc | None] = [None] * len(cpus)
        # how pick_next picks: PICK_HEAD, or one of the settings' own ways below
        self.pick_how = PICK_HEAD
        if settings.get("switch_on_end", 0):
            self.homing = True
            self.pick_how = PICK_OWNER
        elif self.in_turn:
            self.pick_how = PICK_IN_TURN
        elif settings.get(SHARED_QUEUE):
            self.share_queue()

    def new_rq(self) -> deque | TurnQueue:
        return TurnQueue() if self.in_turn else deque()

    def nr_queued(self, cpu: Cpu) -> int:
        return len(cpu.rq)

    def idle_cpu(self, cpus: Sequence[Cpu], first: Cpu | None = None) -> Cpu | None:
        if first is not None and first.curr is None and not first.rq:
            return first
        for c in cpus:
            if c.curr is None and not c.rq:
                return c
        return None

    def enqueue(self, cpu: Cpu, p: Proc, now: int, why: str) -> None:
        if why == WAKEUP and (self.io_run_immediate or p is self.owners[cpu.id]):
            cpu.rq.appendleft(p)                  # it runs next: it preempts, or its CPU waited for it
            self.woken = p
        else:
            cpu.rq.append(p)

    def dequeue(self, cpu: Cpu, p: Proc) -> None:
        cpu.rq.remove(p)

    def pick_next(self, cpu: Cpu, now: int) -> Proc | None:
        how = self.pick_how
        if how != PICK_HEAD:
            if how == PICK_OWNER:
                return self._pick_owner(cpu, now)
            if how == PICK_IN_TURN:
                return self._pick_in_turn(cpu, now)
            return self._pick_allowed(cpu, now)
        rq = cpu.rq
        return rq.popleft() if rq else None

    def _pick_owner(self, cpu: Cpu, now: int) -> Proc | None:
        """switch_on_end: the CPU's task until it exits, even while it waits (the CPU idles)."""
        rq = cpu.rq
        owner = self.owners[cpu.id]
        if owner is None:
            owner = self.owners[cpu.id] = rq.popleft() if rq else None
            return owner
        return rq.popleft() if rq and rq[0] is owner else None

    def _pick_in_turn(self, cpu: Cpu, now: int) -> Proc | None:
        """io_run_immediate: the task that woke, else process-run's turn: the first waiting task
        after the one that ran last, in creation order, wrapping around."""
        rq = cpu.rq
        if not rq:
            return None
        p = self.woken
        if p is None or p not in rq:
            last = self.last[cpu.id]
            p = rq.next_after(last.born if last is not None else 0)
        rq.remove(p)
        self.woken = None
        self.last[cpu.id] = p
        return p

    def home(self, p: Proc) -> int:
        for i, owner in enumerate(self.owners):
            if owner is p:
                return i
        return -1

    def exited(self, p: Proc) -> None:
        i = self.home(p)
        if i >= 0:
            self.owners[i] = None

    def steal_candidate(self, cpu: Cpu, allowed: int) -> Proc | None:
        owner = self.owners[cpu.id]
        return first_allowed((p for p in reversed(cpu.rq) if p is not owner), allowed)

    def first_candidate(self, cpu: Cpu, allowed: int) -> Proc | None:
        owner = self.owners[cpu.id]
        return first_allowed((p for p in cpu.rq if p is not owner), allowed)

    def share_queue(self) -> None:
        super().share_queue()
        self.pick_how = PICK_ALLOWED

    def _pick_allowed(self, cpu: Cpu, now: int) -> Proc | None:
        """A shared queue: the first task this CPU may run (multi.py's get_job)."""
        rq = cpu.rq
        for i, p in enumerate(rq):
            if p.affinity is None or cpu.id in p.affinity:
                del rq[i]
                return p
        return None

    def queued(self, cpu: Cpu) -> list[Proc]:
        return list(cpu.rq)

    def tick(self, cpu: Cpu, p: Proc, now: int, ran: int) -> bool:
        return False

    def wakeup_preempt(self, cpu: Cpu, curr: Proc, woken: Proc, now: int, ran: int) -> bool:
        return self.io_run_immediate and woken is self.woken


class RoundRobin(Fifo):
    """FIFO order plus a quantum: a task that uses up its quantum goes to the tail."""

    name = "rr"
    DEFAULT_QUANTUM = 100_000_000      # Linux SCHED_RR: RR_TIMESLICE = 100 ms
    whole_ticks = True

    def __init__(self, cpus, settings, rng) -> None:
        super().__init__(cpus, settings, rng)
        self.quantum = settings.get("quantum", self.DEFAULT_QUANTUM)

    def slice(self, cpu: Cpu, p: Proc, now: int) -> int:
        return self.quantum

    def tick(self, cpu: Cpu, p: Proc, now: int, ran: int) -> bool:
        return bool(cpu.rq)
