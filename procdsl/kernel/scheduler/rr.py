"""Round robin and first-in first-out: one FIFO queue per CPU; RR adds a quantum."""

from __future__ import annotations

from collections import deque

from procdsl.kernel.process import Cpu, Proc
from procdsl.kernel.scheduler.base import Scheduler, first_allowed


class Fifo(Scheduler):
    """Runs each task until it blocks or exits; wakers and new tasks join the tail."""

    name = "fifo"

    def new_rq(self) -> deque:
        return deque()

    def nr_queued(self, cpu: Cpu) -> int:
        return len(cpu.rq)

    def enqueue(self, cpu: Cpu, p: Proc, now: int, why: str) -> None:
        cpu.rq.append(p)

    def dequeue(self, cpu: Cpu, p: Proc) -> None:
        cpu.rq.remove(p)

    def pick_next(self, cpu: Cpu, now: int) -> Proc | None:
        rq = cpu.rq
        return rq.popleft() if rq else None

    def steal_candidate(self, cpu: Cpu, allowed: int) -> Proc | None:
        return first_allowed(reversed(cpu.rq), allowed)

    def queued(self, cpu: Cpu) -> list[Proc]:
        return list(cpu.rq)

    def tick(self, cpu: Cpu, p: Proc, now: int, ran: int) -> bool:
        return False


class RoundRobin(Fifo):
    """FIFO order plus a quantum: a task that uses up its quantum goes to the tail."""

    name = "rr"
    DEFAULT_QUANTUM = 100_000_000      # Linux SCHED_RR: RR_TIMESLICE = 100 ms

    def __init__(self, cpus, settings, rng) -> None:
        super().__init__(cpus, settings, rng)
        self.quantum = settings.get("quantum", self.DEFAULT_QUANTUM)

    def slice(self, cpu: Cpu, p: Proc, now: int) -> int:
        return self.quantum

    def tick(self, cpu: Cpu, p: Proc, now: int, ran: int) -> bool:
        return bool(cpu.rq)
