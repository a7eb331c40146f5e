"""The real-time classes above the machine's policy: SCHED_FIFO and SCHED_RR (semantics.md §9.6).

Tasks started with `run PROG rt fifo|rr PRIO` (and their children) sit in per-CPU priority
lists 1..99 and always run before the policy's own tasks. A higher priority preempts at
once; a preempted task stays at the head of its list, a woken one joins the tail. SCHED_RR
adds a quantum (Linux's 100 ms unless the scheduler's `rt_quantum` says otherwise); a
preempted RR task resumes what was left of it. RT throttling is not modelled.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from procdsl.kernel.process import Cpu, Proc
from procdsl.kernel.scheduler.base import INF, NEW, PREEMPTED, Scheduler

RR_TIMESLICE = 100_000_000
# the hooks that reach the policy directly until the first real-time task appears
HOOKS = ("nr_queued", "enqueue", "dequeue", "pick_next", "steal_candidate", "put_prev", "slice", "tick",
         "wakeup_preempt", "reweight", "exited")


class RealTime(Scheduler):
    def __init__(self, fair: Scheduler) -> None:
        # no super().__init__: the run queues on the CPUs belong to the wrapped policy
        self.fair = fair
        self.name = fair.name
        self.cpus = fair.cpus
        self.settings = fair.settings
        self.rng = fair.rng
        self.quantum = fair.settings.get("rt_quantum", RR_TIMESLICE)
        self.lists: list[dict[int, deque]] = [{} for _ in fair.cpus]
        self.count = [0] * len(fair.cpus)
        self.active = False
        # Most scenarios never start a real-time task: until one appears, the kernel calls the
        # policy without this layer in between (instance attributes shadow the methods below).
        for hook in HOOKS:
            setattr(self, hook, getattr(fair, hook))

    def fork(self, parent: Proc, child: Proc, parent_cpu: Cpu | None) -> None:
        self.fair.fork(parent, child, parent_cpu)
        if child.rt is not None and not self.active:
            self.active = True
            for hook in HOOKS:
                delattr(self, hook)

    # ---- queues
    def nr_queued(self, cpu: Cpu) -> int:
        return self.count[cpu.id] + self.fair.nr_queued(cpu)

    def enqueue(self, cpu: Cpu, p: Proc, now: int, why: str) -> None:
        if p.rt is None:
            self.fair.enqueue(cpu, p, now, why)
            return
        kind, prio = p.rt
        if why == NEW:
            p.qleft = self.quantum
        lst = self.lists[cpu.id].setdefault(prio, deque())
        if why == PREEMPTED and p.qleft > 0:
            lst.appendleft(p)
        else:
            if p.qleft <= 0:
                p.qleft = self.quantum
            lst.append(p)
        self.count[cpu.id] += 1

    def dequeue(self, cpu: Cpu, p: Proc) -> None:
        if p.rt is None:
            self.fair.dequeue(cpu, p)
            return
        lst = self.lists[cpu.id].get(p.rt[1])
        if lst is None:
            raise ValueError("not queued here")
        lst.remove(p)
        self.count[cpu.id] -= 1

    def _top(self, cpu: Cpu) -> int:
        return max((prio for prio, lst in self.lists[cpu.id].items() if lst), default=0)

    def pick_next(self, cpu: Cpu, now: int) -> Proc | None:
        if not self.count[cpu.id]:
            return self.fair.pick_next(cpu, now)
        self.count[cpu.id] -= 1
        return self.lists[cpu.id][self._top(cpu)].popleft()

    def queued(self, cpu: Cpu) -> list[Proc]:
        lists = self.lists[cpu.id]
        return [p for prio in sorted(lists, reverse=True) for p in lists[prio]] + self.fair.queued(cpu)

    def steal_candidate(self, cpu: Cpu, allowed: int) -> Proc | None:
        # a waiting real-time task is the one most worth moving to another CPU
        for prio in sorted(self.lists[cpu.id], reverse=True):
            for p in self.lists[cpu.id][prio]:
                if p.affinity is None or allowed in p.affinity:
                    return p
        return self.fair.steal_candidate(cpu, allowed)

    # ---- decisions
    def put_prev(self, cpu: Cpu, p: Proc, now: int, ran: int) -> None:
        if p.rt is None:
            self.fair.put_prev(cpu, p, now, ran)
        elif p.rt[0] == "rr":
            p.qleft -= ran

    def slice(self, cpu: Cpu, p: Proc, now: int) -> int:
        if p.rt is None:
            return self.fair.slice(cpu, p, now)
        if p.rt[0] == "fifo":
            return INF
        return max(p.qleft - max(0, now - cpu.run_start), 1)

    def tick(self, cpu: Cpu, p: Proc, now: int, ran: int) -> bool:
        if p.rt is None:
            return self.count[cpu.id] > 0 or self.fair.tick(cpu, p, now, ran)
        if p.rt[0] == "fifo" or ran < p.qleft:
            return False
        if self.lists[cpu.id].get(p.rt[1]):
            return True                        # put_prev leaves qleft <= 0: it joins the tail
        p.qleft += self.quantum                # alone at its priority: a new quantum in place
        return False

    def wakeup_preempt(self, cpu: Cpu, curr: Proc, woken: Proc, now: int, ran: int) -> bool:
        if woken.rt is not None:
            return curr.rt is None or woken.rt[1] > curr.rt[1]
        if curr.rt is not None:
            return False
        return self.fair.wakeup_preempt(cpu, curr, woken, now, ran)

    def reweight(self, p: Proc, old_weight: int) -> None:
        if p.rt is None:
            self.fair.reweight(p, old_weight)

    def exited(self, p: Proc) -> None:
        self.fair.exited(p)


def with_rt(policy: type[Scheduler]) -> Any:
    """A factory with the kernel's calling convention: the policy under the real-time classes."""
    def build(cpus, settings, rng) -> RealTime:
        return RealTime(policy(cpus, settings, rng))
    build.policy = policy              # type: ignore[attr-defined]
    build.__name__ = policy.__name__
    return build
