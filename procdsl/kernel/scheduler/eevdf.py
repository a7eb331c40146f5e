"""EEVDF, the fair class since Linux 6.6 (semantics.md §9.4): lag, eligibility, virtual
deadlines, earliest eligible deadline first, placement that keeps lag across sleep.

Modelled as in 6.6-6.11: a task that blocks leaves the queue at once with its lag clamped
(no DELAY_DEQUEUE). Virtual time V is the weighted mean vruntime of the queued tasks and
the running one; a task is eligible when its vruntime is at most V.
"""

from __future__ import annotations

from typing import Final

from sortedcontainers import SortedList

from procdsl.kernel.process import Cpu, Proc
from procdsl.kernel.scheduler.base import NEW, PREEMPTED, Scheduler, first_allowed
from procdsl.kernel.scheduler.cfs import NICE_0, tunable_factor

BASE_SLICE: Final = 700_000            # sysctl_sched_base_slice since 6.15, before the CPU-count factor
TICK_NSEC: Final = 4_000_000           # HZ=250, as on the reference machine; bounds the lag kept


class EevdfRq:
    __slots__ = ("tree", "sum_w", "sum_wv", "curr", "charged", "parity", "last_v")

    def __init__(self) -> None:
        self.tree: SortedList = SortedList()     # (deadline, seq, p) of queued tasks
        self.sum_w = 0                           # Σ w and Σ w·v over the queued tasks
        self.sum_wv = 0
        self.curr: Proc | None = None
        self.charged = 0                         # of the current run, the part already in vruntime
        self.parity = False                      # RUN_TO_PARITY: curr still has its first slice
        self.last_v = 0                          # V when the queue last had tasks


def _trunc_div(a: int, b: int) -> int:
    """Integer division rounding toward zero, as the kernel's div_s64."""
    q = abs(a) // b
    return q if a >= 0 else -q


class Eevdf(Scheduler):
    name = "eevdf"

    def __init__(self, cpus, settings, rng) -> None:
        super().__init__(cpus, settings, rng)
        self.base_slice = settings.get("slice", BASE_SLICE * tunable_factor(len(cpus)))
        self.seq = 0

    def new_rq(self) -> EevdfRq:
        return EevdfRq()

    def nr_queued(self, cpu: Cpu) -> int:
        rq: EevdfRq = cpu.rq
        return len(rq.tree)

    # ---- virtual time
    def _vslice(self, p: Proc) -> int:
        return self.base_slice * NICE_0 // p.weight

    def _charge(self, rq: EevdfRq, p: Proc, ran: int) -> None:
        delta = ran - rq.charged
        if delta > 0:
            p.vruntime += delta * NICE_0 // p.weight
            rq.charged = ran

    def _load(self, cpu: Cpu, now: int | None) -> tuple[int, int]:
        """(Σ w·v, Σ w) over the queue and the running task, whose vruntime is first brought
        up to `now` (None: as last charged)."""
        rq: EevdfRq = cpu.rq
        wv, w = rq.sum_wv, rq.sum_w
        curr = rq.curr
        if curr is not None:
            if now is not None:
                self._charge(rq, curr, max(0, now - cpu.run_start))
            wv += curr.weight * curr.vruntime
            w += curr.weight
        if w:
            rq.last_v = wv // w
        return wv, w

    def _insert(self, rq: EevdfRq, p: Proc) -> None:
        self.seq += 1
        p.rq_key = (p.deadline, self.seq, p)
        rq.tree.add(p.rq_key)
        rq.sum_w += p.weight
        rq.sum_wv += p.weight * p.vruntime

    def _remove(self, rq: EevdfRq, p: Proc) -> None:
        rq.tree.remove(p.rq_key)
        p.rq_key = None
        rq.sum_w -= p.weight
        rq.sum_wv -= p.weight * p.vruntime

    def _set_lag(self, p: Proc, wv: int, w: int) -> None:
        limit = max(2 * self.base_slice, TICK_NSEC) * NICE_0 // p.weight
        lag = wv // w - p.vruntime if w else 0
        p.vlag = max(-limit, min(limit, lag))

    def _first_eligible(self, rq: EevdfRq, wv: int, w: int) -> Proc | None:
        """The queued task with the earliest virtual deadline among those with v <= V."""
        for key in rq.tree:
            p: Proc = key[2]
            if wv >= p.vruntime * w:
                return p
        return None

    # ---- hooks
    def enqueue(self, cpu: Cpu, p: Proc, now: int, why: str) -> None:
        rq: EevdfRq = cpu.rq
        if why != PREEMPTED:
            wv, w = self._load(cpu, now)
            if w == 0:
                p.vruntime = rq.last_v
            else:
                lag = 0 if why == NEW else p.vlag
                # PLACE_LAG: inflate the lag so that it survives the shift of V this task causes
                p.vruntime = wv // w - _trunc_div(lag * (w + p.weight), w)
            vslice = self._vslice(p)
            p.deadline = p.vruntime + (vslice // 2 if why == NEW else vslice)   # PLACE_DEADLINE_INITIAL
        self._insert(rq, p)

    def dequeue(self, cpu: Cpu, p: Proc) -> None:
        rq: EevdfRq = cpu.rq
        if p.rq_key is None or p.rq_key not in rq.tree:
            raise ValueError("not queued here")
        wv, w = self._load(cpu, None)
        self._set_lag(p, wv, w)
        self._remove(rq, p)

    def pick_next(self, cpu: Cpu, now: int) -> Proc | None:
        rq: EevdfRq = cpu.rq
        if not rq.tree:
            return None
        first = self._first_eligible(rq, rq.sum_wv, rq.sum_w)
        p: Proc = rq.tree[0][2] if first is None else first
        rq.last_v = rq.sum_wv // rq.sum_w
        self._remove(rq, p)
        rq.curr = p
        rq.charged = 0
        rq.parity = True
        return p

    def steal_candidate(self, cpu: Cpu, allowed: int) -> Proc | None:
        return first_allowed((key[2] for key in reversed(cpu.rq.tree)), allowed)

    def queued(self, cpu: Cpu) -> list[Proc]:
        return [key[2] for key in cpu.rq.tree]

    def _renew(self, rq: EevdfRq, p: Proc) -> None:
        """update_deadline: a task that reached its deadline gets a new slice."""
        if p.vruntime >= p.deadline:
            p.deadline = p.vruntime + self._vslice(p)
            rq.parity = False

    def put_prev(self, cpu: Cpu, p: Proc, now: int, ran: int) -> None:
        rq: EevdfRq = cpu.rq
        self._charge(rq, p, ran)
        self._renew(rq, p)
        wv, w = rq.sum_wv + p.weight * p.vruntime, rq.sum_w + p.weight
        rq.last_v = wv // w
        self._set_lag(p, wv, w)        # kept only if it is blocking; a preempted task is re-queued as is
        rq.curr = None

    def slice(self, cpu: Cpu, p: Proc, now: int) -> int:
        rq: EevdfRq = cpu.rq
        self._charge(rq, p, max(0, now - cpu.run_start))
        left = p.deadline - p.vruntime
        return max(-(-left * p.weight // NICE_0), 1)

    def tick(self, cpu: Cpu, p: Proc, now: int, ran: int) -> bool:
        rq: EevdfRq = cpu.rq
        self._charge(rq, p, ran)
        if p.vruntime < p.deadline:
            return False
        self._renew(rq, p)
        if not rq.tree:
            return False
        wv, w = self._load(cpu, now)
        best = self._first_eligible(rq, wv, w)
        if best is None:
            return False
        # put back and picked again, p loses a tie on deadline to a task already queued
        return wv < p.vruntime * w or best.deadline <= p.deadline

    def wakeup_preempt(self, cpu: Cpu, curr: Proc, woken: Proc, now: int, ran: int) -> bool:
        rq: EevdfRq = cpu.rq
        if rq.curr is not curr:
            return False
        wv, w = self._load(cpu, now)
        curr_ok = wv >= curr.vruntime * w
        if curr_ok and rq.parity:
            return False
        best = self._first_eligible(rq, wv, w)
        if best is None or (curr_ok and best.deadline > curr.deadline):
            return False
        return best is woken

    def fork(self, parent: Proc, child: Proc, parent_cpu: Cpu | None) -> None:
        child.vlag = 0

    def reweight(self, p: Proc, old_weight: int) -> None:
        if p.rq_key is None:
            return
        for cpu in self.cpus:
            rq: EevdfRq = cpu.rq
            if p.rq_key in rq.tree:
                rq.sum_w += p.weight - old_weight
                rq.sum_wv += (p.weight - old_weight) * p.vruntime
                return
