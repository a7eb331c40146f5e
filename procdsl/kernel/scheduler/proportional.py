"""Proportional share, OSTEP ch. 9: lottery draws a winning ticket each quantum; stride
runs the task with the lowest pass and advances it by its stride."""

from __future__ import annotations

from sortedcontainers import SortedList

from procdsl.kernel.process import Cpu, Proc
from procdsl.kernel.scheduler.base import NEW, PREEMPTED, Scheduler, first_allowed

DEFAULT_QUANTUM = 10_000_000
STRIDE1 = 10_000                       # OSTEP's "large number": stride = STRIDE1 / tickets


class LotteryRq:
    __slots__ = ("tasks", "tickets")

    def __init__(self) -> None:
        self.tasks: list[Proc] = []
        self.tickets = 0


class Lottery(Scheduler):
    """At every pick, draw a ticket in [0, total) from the scenario's seed; the queued task
    holding it runs for one quantum."""

    name = "lottery"

    def __init__(self, cpus, settings, rng) -> None:
        super().__init__(cpus, settings, rng)
        self.quantum = settings.get("quantum", DEFAULT_QUANTUM)

    def new_rq(self) -> LotteryRq:
        return LotteryRq()

    def nr_queued(self, cpu: Cpu) -> int:
        return len(cpu.rq.tasks)

    def enqueue(self, cpu: Cpu, p: Proc, now: int, why: str) -> None:
        cpu.rq.tasks.append(p)
        cpu.rq.tickets += p.tickets

    def dequeue(self, cpu: Cpu, p: Proc) -> None:
        cpu.rq.tasks.remove(p)
        cpu.rq.tickets -= p.tickets

    def pick_next(self, cpu: Cpu, now: int) -> Proc | None:
        rq = cpu.rq
        if not rq.tasks:
            return None
        winner = self.rng.randrange(rq.tickets)
        counter = 0
        for index, p in enumerate(rq.tasks):
            counter += p.tickets
            if counter > winner:
                del rq.tasks[index]
                break
        rq.tickets -= p.tickets
        return p

    def queued(self, cpu: Cpu) -> list[Proc]:
        return list(cpu.rq.tasks)

    def steal_candidate(self, cpu: Cpu, allowed: int) -> Proc | None:
        for p in reversed(cpu.rq.tasks):
            if p.affinity is None or allowed in p.affinity:
                return p
        return None

    def slice(self, cpu: Cpu, p: Proc, now: int) -> int:
        return self.quantum

    def tick(self, cpu: Cpu, p: Proc, now: int, ran: int) -> bool:
        return bool(cpu.rq.tasks)


class StrideRq:
    __slots__ = ("tree", "vtime")

    def __init__(self) -> None:
        self.tree: SortedList = SortedList()
        self.vtime = 0            # the lowest pass seen; only grows (Waldspurger's global_pass)


class Stride(Scheduler):
    """Pass advances by `ran * STRIDE1 / tickets` (a full quantum adds STRIDE1 / tickets
    per quantum of nanoseconds); the lowest pass runs next, ties in queue order."""

    name = "stride"

    def __init__(self, cpus, settings, rng) -> None:
        super().__init__(cpus, settings, rng)
        self.quantum = settings.get("quantum", DEFAULT_QUANTUM)
        self.seq = 0

    def new_rq(self) -> StrideRq:
        return StrideRq()

    def nr_queued(self, cpu: Cpu) -> int:
        return len(cpu.rq.tree)

    def enqueue(self, cpu: Cpu, p: Proc, now: int, why: str) -> None:
        rq = cpu.rq
        if why == NEW:
            p.pass_ = rq.vtime
        elif why != PREEMPTED and p.pass_ < rq.vtime:
            # a sleeper or a migrant may not bank the time it was away as credit
            p.pass_ = rq.vtime
        self.seq += 1
        p.rq_key = (p.pass_, self.seq, p)
        rq.tree.add(p.rq_key)

    def dequeue(self, cpu: Cpu, p: Proc) -> None:
        cpu.rq.tree.remove(p.rq_key)
        p.rq_key = None

    def pick_next(self, cpu: Cpu, now: int) -> Proc | None:
        rq = cpu.rq
        if not rq.tree:
            return None
        pass_, _, p = rq.tree.pop(0)
        p.rq_key = None
        if pass_ > rq.vtime:
            rq.vtime = pass_
        return p

    def steal_candidate(self, cpu: Cpu, allowed: int) -> Proc | None:
        return first_allowed((key[2] for key in reversed(cpu.rq.tree)), allowed)

    def queued(self, cpu: Cpu) -> list[Proc]:
        return [key[2] for key in cpu.rq.tree]

    def put_prev(self, cpu: Cpu, p: Proc, now: int, ran: int) -> None:
        p.pass_ += ran * STRIDE1 // p.tickets

    def slice(self, cpu: Cpu, p: Proc, now: int) -> int:
        return self.quantum

    def tick(self, cpu: Cpu, p: Proc, now: int, ran: int) -> bool:
        return bool(cpu.rq.tree)
