"""The multi-level feedback queue of OSTEP ch. 8, with its five rules.

Level 0 is the top queue. Rule 1-2: the highest non-empty level runs, round robin within it.
Rule 3: a new job enters at the top. Rule 4: once a job has used its allotment at a level,
however many times it gave up the CPU on the way, it moves down one level (`io_reset 1`
instead gives a job that blocks a fresh allotment: the older, gameable rules 4a/4b).
Rule 5: every `boost` period every job moves back to the top. Ties at one instant follow
OSTEP's mlfq.py, the book's own simulator (docs/schedulers.md).
"""

from __future__ import annotations

from collections import deque

from procdsl.kernel.process import Cpu, Proc
from procdsl.kernel.scheduler.base import INF, NEW, PREEMPTED, WAKEUP, Scheduler

DEFAULT_QUEUES = 3
DEFAULT_QUANTUM = 10_000_000


# How a job joined its queue at an instant t: `joined` is 4t + one of these.
ARRIVED, WOKE, BUMPED = 0, 1, 2


def _insert_before(queue: deque, p: Proc, low: int, high: int) -> None:
    """Queue `p` at the tail, but ahead of the jobs at the end whose `joined` is in [low, high]."""
    i = len(queue)
    while i and low <= queue[i - 1].joined <= high:
        i -= 1
    queue.insert(i, p)


def _insert_after(queue: deque, p: Proc, stamp: int) -> None:
    """Queue `p` at the head, but behind the jobs at the front whose `joined` is `stamp`."""
    i = 0
    while i < len(queue) and queue[i].joined == stamp:
        i += 1
    queue.insert(i, p)


class MlfqRq:
    __slots__ = ("levels", "count", "curr", "charged", "parked", "slot")

    def __init__(self, n: int) -> None:
        self.levels: list[deque[Proc]] = [deque() for _ in range(n)]
        self.count = 0
        self.curr: Proc | None = None
        self.charged = 0          # of the current run, the part already taken off qleft/allot
        # the running job a boost placed behind others: it sits in the top queue (counted)
        # until it leaves the CPU, and is then queued again at `slot`
        self.parked: Proc | None = None
        self.slot = 0


class Mlfq(Scheduler):
    name = "mlfq"

    def __init__(self, cpus, settings, rng) -> None:
        self.nlevels = max(1, settings.get("queues", DEFAULT_QUEUES))
        base = settings.get("quantum", DEFAULT_QUANTUM)
        self.quanta = [settings.get(f"quantum_{i}", base) for i in range(self.nlevels)]
        allot = settings.get("allotment")
        self.allots = [max(settings.get(f"allotment_{i}", allot if allot is not None else q), q)
                       for i, q in enumerate(self.quanta)]
        self.boost = settings.get("boost", 0)
        self.next_boost = self.boost if self.boost else INF
        self.io_reset = bool(settings.get("io_reset", 0))
        self.io_bump = bool(settings.get("io_bump", 0))
        self.tasks: dict[int, Proc] = {}      # every live job, for the boost
        super().__init__(cpus, settings, rng)

    def new_rq(self) -> MlfqRq:
        return MlfqRq(self.nlevels)

    def nr_queued(self, cpu: Cpu) -> int:
        return cpu.rq.count

    def _fresh(self, p: Proc, level: int) -> None:
        if level != p.level:
            p.level = level
            if self.emit is not None:
                self.emit(-1, p.pid, "level", (level,))
        p.qleft = self.quanta[level]
        p.allot = self.allots[level]

    def _charge(self, rq: MlfqRq, p: Proc, ran: int) -> None:
        delta = ran - rq.charged
        if delta > 0:
            p.qleft -= delta
            p.allot -= delta
            rq.charged = ran

    def _settle(self, p: Proc) -> bool:
        """Apply rule 4 to a job whose quantum or allotment ran out; True if it did."""
        if p.allot <= 0:
            self._fresh(p, min(p.level + 1, self.nlevels - 1))
        elif p.qleft <= 0:
            p.qleft = self.quanta[p.level]
        else:
            return False
        return True

    def _boost_due(self, now: int) -> None:
        if now < self.next_boost:
            return
        self.next_boost = (now // self.boost + 1) * self.boost
        for cpu in self.cpus:
            rq = cpu.rq
            if rq.curr is not None:
                self._charge(rq, rq.curr, max(0, now - cpu.run_start))
            self._boost_queues(rq, rq.curr)
        for p in self.tasks.values():
            self._fresh(p, 0)

    def _boost_queues(self, rq: MlfqRq, curr: Proc | None) -> None:
        """Rule 5 in mlfq.py's order: the top queue keeps its jobs, then come the other levels'
        jobs from the bottom level up. The running job moves with its queue, at its head (at its
        tail if its quantum ended now); if that puts others ahead of it, it is parked there."""
        levels = rq.levels
        if curr is not None:
            if self._settle(curr):
                levels[curr.level].append(curr)
            else:
                levels[curr.level].appendleft(curr)
        top = levels[0]
        for level in reversed(levels[1:]):
            top.extend(level)
            level.clear()
        if curr is not None:
            if top[0] is curr:
                top.popleft()
            else:
                rq.parked = curr
                rq.count += 1

    def enqueue(self, cpu: Cpu, p: Proc, now: int, why: str) -> None:
        self._boost_due(now)
        rq = cpu.rq
        # Ties at one instant as in mlfq.py, which ends a quantum at the end of a tick and then
        # takes the next tick's arrivals, then its I/O completions: a job whose quantum ended
        # now goes ahead of the jobs that joined its queue's tail now, an arrival ahead of
        # those that woke now (appendix B.E6); a preempted job stays behind those bumped now.
        stamp = 4 * now
        if why == NEW:
            self.tasks[p.pid] = p
            self._fresh(p, 0)
            if self.emit is not None:
                self.emit(-1, p.pid, "level", (0,))
            _insert_before(rq.levels[0], p, stamp + WOKE, stamp + WOKE)
            p.joined = stamp + ARRIVED
        elif why == WAKEUP:
            self._woken(p)
            if self.io_bump:
                rq.levels[p.level].appendleft(p)          # OSTEP's -I: back at its queue's head
                p.joined = stamp + BUMPED
            else:
                rq.levels[p.level].append(p)
                p.joined = stamp + WOKE
        else:
            used_up = self._settle(p)
            queue = rq.levels[p.level]
            if why != PREEMPTED:
                queue.append(p)
            elif rq.parked is p:
                rq.parked = None
                queue.insert(rq.slot, p)
            elif not used_up:
                # preempted by a higher level or a bumped job: it keeps its place at the head
                _insert_after(queue, p, stamp + BUMPED)
            elif queue and queue[-1].joined >= stamp:
                _insert_before(queue, p, stamp + ARRIVED, stamp + WOKE)
            else:
                queue.append(p)
        rq.count += 1

    def _woken(self, p: Proc) -> None:
        """Rule 4 for a job back from a wait: the demotion its last run earned, if any."""
        if not self.io_reset:
            self._settle(p)
            return
        # the old rule 4b: it keeps its level with a fresh allotment, less the quantum it
        # used up if it blocked exactly as that ran out (mlfq.py -S, appendix B.E4)
        used_up = p.qleft <= 0
        self._fresh(p, p.level)
        if used_up:
            p.allot -= self.quanta[p.level]
            self._settle(p)

    def dequeue(self, cpu: Cpu, p: Proc) -> None:
        cpu.rq.levels[p.level].remove(p)
        cpu.rq.count -= 1

    def pick_next(self, cpu: Cpu, now: int) -> Proc | None:
        self._boost_due(now)
        rq = cpu.rq
        if not rq.count:
            return None
        for level in rq.levels:
            if level:
                p = level.popleft()
                break
        rq.count -= 1
        rq.curr = p
        rq.charged = 0
        rq.parked = None
        return p

    def queued(self, cpu: Cpu) -> list[Proc]:
        return [p for level in cpu.rq.levels for p in level]

    def steal_candidate(self, cpu: Cpu, allowed: int) -> Proc | None:
        rq = cpu.rq
        for level in reversed(rq.levels):
            for p in reversed(level):
                if p is not rq.parked and (p.affinity is None or allowed in p.affinity):
                    return p
        return None

    def put_prev(self, cpu: Cpu, p: Proc, now: int, ran: int) -> None:
        rq = cpu.rq
        self._charge(rq, p, ran)
        rq.curr = None
        if rq.parked is p:
            # it leaves the CPU: out of the queue until it is queued again (at its place, if
            # preempted; the next pick forgets the place otherwise)
            top = rq.levels[0]
            rq.slot = top.index(p)
            del top[rq.slot]
            rq.count -= 1

    def slice(self, cpu: Cpu, p: Proc, now: int) -> int:
        rq = cpu.rq
        self._charge(rq, p, max(0, now - cpu.run_start))
        left = min(p.qleft, p.allot, self.next_boost - now)
        return max(left, 1)

    def _higher_queued(self, rq: MlfqRq, level: int) -> bool:
        """Is a job waiting at `level` or above it?"""
        return any(rq.levels[i] for i in range(level + 1))

    def tick(self, cpu: Cpu, p: Proc, now: int, ran: int) -> bool:
        rq = cpu.rq
        self._charge(rq, p, ran)
        self._boost_due(now)
        if rq.parked is p:
            return True
        if p.qleft > 0 and p.allot > 0:
            return self._higher_queued(rq, p.level - 1) if p.level else False
        after = min(p.level + 1, self.nlevels - 1) if p.allot <= 0 else p.level
        if self._higher_queued(rq, after):
            return True
        self._settle(p)
        return False

    def wakeup_preempt(self, cpu: Cpu, curr: Proc, woken: Proc, now: int, ran: int) -> bool:
        if cpu.rq.curr is not curr:
            return False
        return woken.level < curr.level or (woken.level == curr.level and woken.joined == 4 * now + BUMPED)

    def exited(self, p: Proc) -> None:
        self.tasks.pop(p.pid, None)
