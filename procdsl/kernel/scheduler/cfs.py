"""CFS as Linux 2.6.23-6.5 ran it (semantics.md §9.3): vruntime order, weighted slices,
START_DEBIT for new tasks, GENTLE_FAIR_SLEEPERS credit, wake-up preemption by granularity."""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import Final, Sequence

from procdsl.kernel.process import Cpu, Proc
from procdsl.kernel.scheduler.base import NEW, WAKEUP, Scheduler, first_allowed

NICE_0: Final = 1024


class CfsRq:
    """One CPU's queue. Linux keeps an rbtree in vruntime order and only ever takes its
    leftmost task; a binary heap of (vruntime, seq, task, queue) yields the same task with
    a push and a pop done in C, which is most of what a dispatch costs here. A task that
    leaves early (killed, migrated) leaves its entry behind; an entry is live while it is
    its task's `rq_key`, and the heap's top is kept live."""

    __slots__ = ("heap", "nr", "dead", "min_vruntime", "load", "rightmost")

    def __init__(self) -> None:
        # an entry's identity is what makes it live, so it is a plain `tuple`: a typed one would be
        # a new object each time the compiled kernel (mypyc) stores it
        self.heap: list[tuple] = []
        self.nr = 0            # live entries, kept by hand: the hot path reads it on every dispatch
        self.dead = 0          # entries left behind
        self.min_vruntime = 0
        self.load = 0          # weights of queued tasks plus the running one
        # load balancing takes the rightmost task: a heap of (-vruntime, -seq, key), built at the
        # first steal and pushed to with every enqueue from then on; its dead entries are
        # dropped at the top or compacted away
        self.rightmost: list | None = None

    def remove(self, p: Proc) -> None:
        """Take queued `p` off (KeyError if it is not queued here)."""
        key = p.rq_key
        if key is None or key[3] is not self:
            raise KeyError(p.pid)
        p.rq_key = None
        self.nr -= 1
        self.dead += 1
        if self.dead > 64 and self.dead > self.nr:
            # dead entries still hold their tasks: rebuild before they pile up
            self.heap = [k for k in self.heap if k[2].rq_key is k]
            heapify(self.heap)
            self.dead = 0
        else:
            self.drop_dead()

    def drop_dead(self) -> None:
        heap = self.heap
        while heap and heap[0][2].rq_key is not heap[0]:
            heappop(heap)
            self.dead -= 1

    def ordered(self) -> list[tuple]:
        """The queued tasks' keys, leftmost first."""
        return sorted(k for k in self.heap if k[2].rq_key is k)


def tunable_factor(ncpus: int) -> int:
    """SCHED_TUNABLESCALING_LOG: 1 + ilog2(min(ncpus, 8))."""
    return 1 + (min(ncpus, 8).bit_length() - 1)


class Cfs(Scheduler):
    name = "cfs"

    def __init__(self, cpus, settings, rng) -> None:
        super().__init__(cpus, settings, rng)
        factor = tunable_factor(len(cpus))
        self.latency = settings.get("latency", 6_000_000 * factor)
        self.min_gran = settings.get("min_granularity", 750_000 * factor)
        self.wakeup_gran = settings.get("wakeup_granularity", 1_000_000 * factor)
        self.nr_latency = max(1, self.latency // self.min_gran)
        self.seq = 0

    def new_rq(self) -> CfsRq:
        return CfsRq()

    def nr_queued(self, cpu: Cpu) -> int:
        rq: CfsRq = cpu.rq
        return rq.nr

    def idle_cpu(self, cpus: Sequence[Cpu], first: Cpu | None = None) -> Cpu | None:
        if first is not None and first.curr is None:
            rq: CfsRq = first.rq
            if not rq.nr:
                return first
        for c in cpus:
            if c.curr is None:
                rq = c.rq
                if not rq.nr:
                    return c
        return None

    def enqueue(self, cpu: Cpu, p: Proc, now: int, why: str) -> None:
        rq: CfsRq = cpu.rq
        if why == NEW:
            # p.vruntime holds the parent's lead over its own queue's min_vruntime
            vruntime = rq.min_vruntime + p.vruntime
            debit = self._vslice(rq, p, joining=True)
            p.vruntime = max(vruntime, rq.min_vruntime + debit)
        elif why == WAKEUP:
            if p.last_cpu >= 0 and p.last_cpu != cpu.id:
                p.vruntime += rq.min_vruntime - self._rq(p.last_cpu).min_vruntime
            floor = rq.min_vruntime - self.latency // 2         # GENTLE_FAIR_SLEEPERS halves the latency
            if p.vruntime < floor:                              # max(), spelled out: once a wake-up
                p.vruntime = floor
        elif p.last_cpu >= 0 and p.last_cpu != cpu.id:
            p.vruntime += rq.min_vruntime - self._rq(p.last_cpu).min_vruntime
        self.seq += 1
        key: tuple = (p.vruntime, self.seq, p, rq)      # one object in the heap and in rq_key (CfsRq)
        p.rq_key = key
        heappush(rq.heap, key)
        if rq.rightmost is not None:
            heappush(rq.rightmost, (-key[0], -key[1], key))
        rq.nr += 1
        rq.load += p.weight

    def _rq(self, cpu_id: int) -> CfsRq:
        return self.cpus[cpu_id].rq

    def dequeue(self, cpu: Cpu, p: Proc) -> None:
        rq: CfsRq = cpu.rq
        rq.remove(p)                          # KeyError: queued on another CPU
        rq.load -= p.weight

    def pick_next(self, cpu: Cpu, now: int) -> Proc | None:
        rq: CfsRq = cpu.rq
        if not rq.nr:
            return None
        heap = rq.heap
        key = heappop(heap)
        v: int = key[0]
        p: Proc = key[2]
        rq.nr -= 1
        p.rq_key = None
        if heap and heap[0][2].rq_key is not heap[0]:
            rq.drop_dead()
        if v > rq.min_vruntime:
            rq.min_vruntime = v
        return p

    def steal_candidate(self, cpu: Cpu, allowed: int) -> Proc | None:
        rq = cpu.rq
        right = rq.rightmost
        if right is None or len(right) > 2 * rq.nr + 64:
            right = rq.rightmost = [(-k[0], -k[1], k) for k in rq.heap if k[2].rq_key is k]
            heapify(right)
        while right and right[0][2][2].rq_key is not right[0][2]:
            heappop(right)
        if not right:
            return None
        last = right[0][2][2]
        if last.affinity is None or allowed in last.affinity:
            return last
        # its affinity keeps it here: the next one from the right that may go
        return first_allowed((key[2] for key in reversed(cpu.rq.ordered())), allowed)

    def queued(self, cpu: Cpu) -> list[Proc]:
        return [key[2] for key in cpu.rq.ordered()]

    def put_prev(self, cpu: Cpu, p: Proc, now: int, ran: int) -> None:
        rq: CfsRq = cpu.rq
        p.vruntime += ran * NICE_0 // p.weight
        rq.load -= p.weight
        low = p.vruntime
        if rq.nr:
            left: int = rq.heap[0][0]
            if left < low:
                low = left
        if low > rq.min_vruntime:
            rq.min_vruntime = low

    def _period(self, nr: int) -> int:
        return self.latency if nr <= self.nr_latency else nr * self.min_gran

    def _slice(self, rq: CfsRq, p: Proc, joining: bool) -> int:
        nr = rq.nr + 1 + (1 if joining else 0)
        load = rq.load + (p.weight if joining else 0)
        return max(self._period(nr) * p.weight // max(load, 1), 1)

    def _vslice(self, rq: CfsRq, p: Proc, joining: bool) -> int:
        return self._slice(rq, p, joining) * NICE_0 // p.weight

    def slice(self, cpu: Cpu, p: Proc, now: int) -> int:
        """Until check_preempt_tick would fire: the ideal slice is used up, or (after at least
        min_granularity) the task's vruntime leads the leftmost's by more than that slice.
        Runs on every dispatch, so the arithmetic is inline and max/min are spelled out."""
        rq: CfsRq = cpu.rq
        ran = now - cpu.run_start
        nr = rq.nr
        period = self.latency if nr + 1 <= self.nr_latency else (nr + 1) * self.min_gran
        load = rq.load
        ideal = period * p.weight // (load if load > 0 else 1)
        if not nr:
            if ideal < 1:
                ideal = 1
            look = ideal
        else:
            min_gran = self.min_gran
            if ideal < min_gran:
                ideal = min_gran
            left: int = rq.heap[0][0]
            lead = ideal + left - p.vruntime     # vruntime it may still gain
            gain = (lead + 1) * p.weight + NICE_0 - 1
            overtakes = gain // NICE_0 if gain > 0 else 0
            if overtakes < min_gran:
                overtakes = min_gran
            look = overtakes if overtakes < ideal else ideal
        if ran < 0:
            ran = 0
        # past both marks with nothing to switch to: look again one slice from now
        return look - ran if look > ran else ideal

    def tick(self, cpu: Cpu, p: Proc, now: int, ran: int) -> bool:
        rq: CfsRq = cpu.rq
        nr = rq.nr
        if not nr:
            return False
        # sched_slice of the running task, never under min_granularity while others wait
        # (BASE_SLICE); the same arithmetic as slice(), inlined: this runs on every dispatch
        period = self.latency if nr + 1 <= self.nr_latency else (nr + 1) * self.min_gran
        load = rq.load
        ideal = period * p.weight // (load if load > 0 else 1)
        if ideal < self.min_gran:
            ideal = self.min_gran
        if ran >= ideal:
            return True
        if ran < self.min_gran:
            return False
        left: int = rq.heap[0][0]
        return p.vruntime + ran * NICE_0 // p.weight - left > ideal

    def wakeup_preempt(self, cpu: Cpu, curr: Proc, woken: Proc, now: int, ran: int) -> bool:
        curr_v = curr.vruntime + ran * NICE_0 // curr.weight
        return curr_v - woken.vruntime > self.wakeup_gran * NICE_0 // woken.weight

    def fork(self, parent: Proc, child: Proc, parent_cpu: Cpu | None) -> None:
        base = 0
        if parent_cpu is not None:
            rq: CfsRq = parent_cpu.rq
            base = rq.min_vruntime
        child.vruntime = max(parent.vruntime - base, 0)

    def reweight(self, p: Proc, old_weight: int) -> None:
        if p.cpu is not None:                 # running: its weight is in its queue's load
            p.cpu.rq.load += p.weight - old_weight
        elif p.rq_key is not None:
            p.rq_key[3].load += p.weight - old_weight
