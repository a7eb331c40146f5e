"""Shortest job first (non-preemptive) and shortest time to completion (preemptive), OSTEP ch. 7.

A job's length is `p.burst`: `run PROG burst D`, or the total `compute` of a straight-line
program (the validator rejects sjf/stcf scenarios where it is unknown).
"""

from __future__ import annotations

from sortedcontainers import SortedList

from procdsl.kernel.process import Cpu, Proc
from procdsl.kernel.scheduler.base import Scheduler, first_allowed


class Sjf(Scheduler):
    """Runs the queued job with the shortest length to the end; ties go in arrival order."""

    name = "sjf"

    def __init__(self, cpus, settings, rng) -> None:
        super().__init__(cpus, settings, rng)
        self.seq = 0

    def new_rq(self) -> SortedList:
        return SortedList()

    def nr_queued(self, cpu: Cpu) -> int:
        return len(cpu.rq)

    def key(self, p: Proc) -> int:
        return p.burst

    def enqueue(self, cpu: Cpu, p: Proc, now: int, why: str) -> None:
        self.seq += 1
        p.rq_key = (self.key(p), self.seq, p)
        cpu.rq.add(p.rq_key)

    def dequeue(self, cpu: Cpu, p: Proc) -> None:
        cpu.rq.remove(p.rq_key)
        p.rq_key = None

    def pick_next(self, cpu: Cpu, now: int) -> Proc | None:
        if not cpu.rq:
            return None
        p = cpu.rq.pop(0)[2]
        p.rq_key = None
        return p

    def steal_candidate(self, cpu: Cpu, allowed: int) -> Proc | None:
        return first_allowed((key[2] for key in reversed(cpu.rq)), allowed)

    def queued(self, cpu: Cpu) -> list[Proc]:
        return [key[2] for key in cpu.rq]

    def tick(self, cpu: Cpu, p: Proc, now: int, ran: int) -> bool:
        return False


class Stcf(Sjf):
    """Orders by work left (length minus CPU time used); a job that arrives or wakes with
    strictly less work left than the running job's preempts it."""

    name = "stcf"

    def key(self, p: Proc) -> int:
        return max(p.burst - p.cputime, 0)

    def wakeup_preempt(self, cpu: Cpu, curr: Proc, woken: Proc, now: int, ran: int) -> bool:
        return self.key(woken) < max(curr.burst - curr.cputime - ran, 0)
