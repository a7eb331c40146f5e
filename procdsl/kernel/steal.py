"""OSTEP multi.py's multi-CPU machine: CPUs whose slices end at one instant choose together, and
work moves between per-CPU queues only by stealing at a peek interval.

With `run_queue shared` or `balance steal`, every instant at which some CPU's slice ends (and,
under `balance steal`, every multiple of `peek_interval` while anything runs or waits) is one
pass over the CPUs in CPU order, in multi.py's order within its tick: a CPU whose task has only
free statements due (its work ends now) runs them first; then each CPU whose slice ends puts
its task back in its queue; then, at a peek, each CPU whose queue is empty, busy or not, picks
one other CPU at random (the run's seeded rng) and takes the first task there that it may run;
last, every idle CPU picks from its queue. There is no pull by a CPU going idle and no periodic
balancer. A task stolen right after it was put back leaves its CPU idle.
"""

from __future__ import annotations

from typing import Any

from procdsl.kernel.cache import Caches
from procdsl.kernel.priorities import P_STEAL
from procdsl.kernel.process import Cpu, Proc
from procdsl.kernel.scheduler.base import INF, MIGRATED


class Pass:
    """One pass in progress: what left each CPU at this instant, and whether the CPUs choose yet."""

    __slots__ = ("left", "choosing")

    def __init__(self, ncpus: int) -> None:
        self.left: list[tuple[Proc | None, str] | None] = [None] * ncpus     # (task, why it left)
        self.choosing = False


class Stealing(Caches):
    """Kernel methods for the synchronized passes (a link of Kernel's chain); `self.passes` is None
    without them. With them, the kernel's `schedule` defers to the pass (`defer`) and `dispatch`
    calls `dispatch_in_pass`."""

    __slots__ = ()

    def setup_passes(self, m: Any) -> None:
        self.balance = "none" if self.shared_queue or m.cpus == 1 else m.balance
        self.peek_interval = m.peek_interval
        self.next_peek = -1
        # instants with a pass pending; None: the CPUs go on their own (Linux's way)
        self.passes = set() if self.shared_queue or self.balance == "steal" else None
        self.in_pass = None      # the pass under way

    def dispatch_in_pass(self, cpu: Cpu, p: Proc) -> None:
        """Dispatch under the passes: `p` put back a moment ago leaves its old CPU idle first,
        and with one queue a move shows at the dispatch."""
        if self.in_pass is not None:
            self.hand_over(p)
        if self.shared_queue and p.last_cpu >= 0 and p.last_cpu != cpu.id:
            self.emit(cpu.id, p.pid, "migrate", (p.last_cpu, cpu.id))

    def pass_at(self, t: int) -> None:
        if t < INF and t not in self.passes:
            self.passes.add(t)
            self.post(t, P_STEAL, self._pass, None)

    def maybe_peek(self) -> None:
        if self.next_peek < 0:
            step = self.peek_interval
            self.next_peek = (self.now // step + 1) * step
            self.pass_at(self.next_peek)

    def _pass(self, _: Any, __: Any) -> bool:
        now = self.now
        self.passes.discard(now)
        cpus = self.cpus
        run = self.in_pass = Pass(len(cpus))
        # a task whose work ends now runs its free statements; a CPU it leaves chooses later
        for cpu in cpus:
            p = cpu.curr
            if p is not None and cpu.run_start <= now and not self._wants_cpu(cpu, p):
                self.cpu_event(cpu, cpu.gen)
        for cpu in cpus:
            p = cpu.curr
            if p is not None and cpu.slice_end <= now and cpu.run_start <= now and self._wants_cpu(cpu, p):
                self.put_back(cpu, p)
                run.left[cpu.id] = (p, "preempted")
        if now == self.next_peek:
            self.next_peek = -1
            self._steal_pass()
        run.choosing = True
        for cpu in cpus:
            if cpu.curr is None:
                prev, why = run.left[cpu.id] or (None, "idle")
                run.left[cpu.id] = None
                self.schedule(cpu, prev, why)
        self.in_pass = None
        if self.balance == "steal" and any(c.curr is not None or self.sched.nr_queued(c) for c in cpus):
            self.maybe_peek()
        return True

    def defer(self, cpu: Cpu, prev: Proc | None, why: str) -> bool:
        """In a pass, before the CPUs choose: `cpu` waits for its turn. False if it may choose now."""
        run = self.in_pass
        if run.choosing:
            return False
        run.left[cpu.id] = (prev, why)
        return True

    def _wants_cpu(self, cpu: Cpu, p: Proc) -> bool:
        """Does `p` still need CPU time at this instant (and not only free statements)?"""
        self.settle(cpu, p)
        if p.remaining:
            return True
        op = p.code.ops[p.pc]
        return bool(op.cost or (op.precost and p.paid != p.pc))

    def hand_over(self, p: Proc) -> None:
        """`p`, put back a moment ago by another CPU, goes elsewhere: that CPU is idle first."""
        left = self.in_pass.left
        for i, entry in enumerate(left):
            if entry is not None and entry[0] is p and entry[1] == "preempted":
                left[i] = None
                self.emit(i, 0, "switch", (p.pid, "preempted", 0))
                return

    def _steal_pass(self) -> None:
        sched = self.sched
        for cpu in self.cpus:
            if sched.nr_queued(cpu):
                continue
            victim = self.rng.choice([c for c in self.cpus if c is not cpu])
            p = self.policy.first_candidate(victim, cpu.id)
            if p is None:
                continue
            self.hand_over(p)
            sched.dequeue(victim, p)
            self.emit(cpu.id, p.pid, "migrate", (victim.id, cpu.id))
            sched.enqueue(cpu, p, self.now, MIGRATED)
            p.last_cpu = cpu.id
