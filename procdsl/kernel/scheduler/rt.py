"""The real-time classes above the machine's policy: SCHED_FIFO and SCHED_RR (semantics.md §9.6).

Tasks started with `run PROG rt fifo|rr PRIO` (and their children) sit in per-CPU priority
lists 1..99 and always run before the policy's own tasks. A higher priority preempts at
once; a preempted task stays at the head of its list, a woken one joins the tail. SCHED_RR
adds a quantum (Linux's 100 ms unless the scheduler's `rt_quantum` says otherwise); a
preempted RR task resumes what was left of it.

RT throttling (rt_bandwidth, sched_rt_runtime_us / sched_rt_period_us): in every period
(`rt_period`, 1 s) a CPU gives its real-time tasks at most `rt_runtime` (950 ms) of CPU time;
past that they are throttled — runnable but not picked — until the next period, and the
fair tasks (or nobody) run. The periods start when the first real-time task becomes
runnable, and start again after a period in which no CPU had real-time work.
"""

from __future__ import annotations

from collections import deque

from procdsl.kernel.process import Cpu, Proc
from procdsl.kernel.scheduler.base import INF, NEW, PREEMPTED, Scheduler

RR_TIMESLICE = 100_000_000
RT_RUNTIME, RT_PERIOD = 950_000_000, 1_000_000_000     # sched_rt_runtime_us, sched_rt_period_us


class RealTime(Scheduler):
    """Stands between the kernel and `fair` from the first real-time task on: until one
    appears, the kernel calls the policy itself (lifecycle.Lifecycle._spawn_event)."""

    name = "rt"

    def __init__(self, fair: Scheduler) -> None:
        # no super().__init__: the run queues on the CPUs belong to the wrapped policy
        self.fair = fair
        self.cpus = fair.cpus
        self.settings = fair.settings
        self.rng = fair.rng
        self.quantum = fair.settings.get("rt_quantum", RR_TIMESLICE)
        self.lists: list[dict[int, deque]] = [{} for _ in fair.cpus]
        self.count = [0] * len(fair.cpus)
        n = len(fair.cpus)
        self.runtime = fair.settings.get("rt_runtime", RT_RUNTIME)
        self.period = fair.settings.get("rt_period", RT_PERIOD)
        self.throttling = self.runtime < self.period     # runtime = period: never throttled
        self.rt_time = [0] * n          # real-time CPU time used this period, per CPU, up to `synced`
        self.synced = [0] * n
        self.on_cpu = [False] * n       # a real-time task has run on the CPU since cpu.run_start
        self.throttled = [False] * n
        self.nthrottled = 0
        self.anchor: int | None = None  # where the periods start; None until a real-time task runs
        self.nrt = 0                    # real-time tasks queued or running
        self.rt_idle_since: int | None = 0

    def fork(self, parent: Proc, child: Proc, parent_cpu: Cpu | None) -> None:
        self.fair.fork(parent, child, parent_cpu)

    # ---- queues
    def nr_queued(self, cpu: Cpu) -> int:
        return self.count[cpu.id] + self.fair.nr_queued(cpu)

    def enqueue(self, cpu: Cpu, p: Proc, now: int, why: str) -> None:
        if p.rt is None:
            self.fair.enqueue(cpu, p, now, why)
            return
        if self.throttling:
            self._runnable(now)
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
        if self.throttling:
            self._not_runnable(None)        # killed or migrating: the instant is not known here

    def _top(self, cpu: Cpu) -> int:
        return max((prio for prio, lst in self.lists[cpu.id].items() if lst), default=0)

    def pick_next(self, cpu: Cpu, now: int) -> Proc | None:
        i = cpu.id
        if not self.count[i]:
            return self.fair.pick_next(cpu, now)
        if self.throttling:
            self._sync(i, now)
            if self.throttled[i]:
                return self.fair.pick_next(cpu, now)
            self.on_cpu[i] = True
        self.count[i] -= 1
        return self.lists[i][self._top(cpu)].popleft()

    def queued(self, cpu: Cpu) -> list[Proc]:
        lists = self.lists[cpu.id]
        return [p for prio in sorted(lists, reverse=True) for p in lists[prio]] + self.fair.queued(cpu)

    def steal_candidate(self, cpu: Cpu, allowed: int) -> Proc | None:
        # a waiting real-time task is the one most worth moving to another CPU, unless it
        # waits only because its CPU is throttled
        for prio in sorted(self.lists[cpu.id], reverse=True) if not self.throttled[cpu.id] else ():
            for p in self.lists[cpu.id][prio]:
                if p.affinity is None or allowed in p.affinity:
                    return p
        return self.fair.steal_candidate(cpu, allowed)

    # ---- decisions
    def put_prev(self, cpu: Cpu, p: Proc, now: int, ran: int) -> None:
        if p.rt is None:
            self.fair.put_prev(cpu, p, now, ran)
            return
        if self.throttling:
            i = cpu.id
            self._sync(i, now)
            self.on_cpu[i] = False
            self._not_runnable(now)
        if p.rt[0] == "rr":
            p.qleft -= ran

    def slice(self, cpu: Cpu, p: Proc, now: int) -> int:
        i = cpu.id
        if p.rt is None:
            fair = self.fair.slice(cpu, p, now)
            if self.throttled[i] and self.count[i]:
                self._sync(i, now)
                if self.throttled[i]:           # look again when the period ends the throttle
                    return min(fair, self._boundary_after(now) - now)
            return fair
        if p.rt[0] == "fifo":
            s = INF
        else:
            s = max(p.qleft - max(0, now - cpu.run_start), 1)
        if self.throttling:
            self._sync(i, now)
            s = max(0, min(s, self._exhausted_at(i, now) - now))
        return s

    def tick(self, cpu: Cpu, p: Proc, now: int, ran: int) -> bool:
        i = cpu.id
        if p.rt is None:
            if self.count[i]:
                if self.throttled[i]:
                    self._sync(i, now)
                if not self.throttled[i]:
                    return True
            return self.fair.tick(cpu, p, now, ran)
        if self.throttling:
            self._sync(i, now)
            if self.rt_time[i] >= self.runtime:
                self.throttled[i] = True
                self.nthrottled += 1
                return True
        if p.rt[0] == "fifo" or ran < p.qleft:
            return False
        if self.lists[cpu.id].get(p.rt[1]):
            return True                        # put_prev leaves qleft <= 0: it joins the tail
        p.qleft += self.quantum                # alone at its priority: a new quantum in place
        return False

    def wakeup_preempt(self, cpu: Cpu, curr: Proc, woken: Proc, now: int, ran: int) -> bool:
        if woken.rt is not None:
            if self.throttled[cpu.id]:
                self._sync(cpu.id, now)
                if self.throttled[cpu.id]:
                    return False
            return curr.rt is None or woken.rt[1] > curr.rt[1]
        if curr.rt is not None:
            return False
        return self.fair.wakeup_preempt(cpu, curr, woken, now, ran)

    def reweight(self, p: Proc, old_weight: int) -> None:
        if p.rt is None:
            self.fair.reweight(p, old_weight)

    def exited(self, p: Proc) -> None:
        self.fair.exited(p)

    # ---- throttling
    def preempt_reason(self, cpu: Cpu, p: Proc) -> str:
        """What the trace's switch says when tick took the CPU from p."""
        return "throttled" if p.rt is not None and self.throttled[cpu.id] else "preempted"

    def unthrottle_at(self, cpu: Cpu, now: int) -> int | None:
        """When an idle, throttled CPU has real-time work again: the next period."""
        return self._boundary_after(now) if self.throttled[cpu.id] else None

    def _boundary_after(self, t: int) -> int:
        if self.anchor is None:
            return INF
        return self.anchor + ((t - self.anchor) // self.period + 1) * self.period

    def _exhausted_at(self, i: int, now: int) -> int:
        """When a real-time task running from `now` uses up CPU i's budget: in this period, or
        else `rt_runtime` into the next one (the refill at the boundary leaves nothing owed)."""
        end = now + self.runtime - self.rt_time[i]
        boundary = self._boundary_after(now)
        return end if end < boundary else boundary + self.runtime

    def _sync(self, i: int, now: int) -> None:
        """Count CPU i's real-time time up to `now`: what the running task used, and at each
        period boundary the refill (do_sched_rt_period_timer: rt_time -= runtime). In closed
        form, so a long stretch of tiny periods costs no more than one."""
        last = self.synced[i]
        if now <= last:
            return
        runtime, period, anchor = self.runtime, self.period, self.anchor
        assert anchor is not None          # callers have a real-time task queued, so periods have begun
        start = max(last, self.cpus[i].run_start) if self.on_cpu[i] else now
        start = min(start, now)
        # from `last` to `start` nothing ran: each boundary only takes `runtime` back
        passed = (start - anchor) // period - (last - anchor) // period
        rt = max(0, self.rt_time[i] - passed * runtime)
        if start < now:
            # from `start` on a task ran: to the first boundary, then whole periods, then the rest
            boundary = self._boundary_after(start)
            if boundary > now:
                rt += now - start
            else:
                rt = max(0, rt + boundary - start - runtime)
                whole = (now - boundary) // period
                rt += whole * (period - runtime) + (now - boundary - whole * period)
        self.rt_time[i] = rt
        self.synced[i] = now
        if self.throttled[i] and rt < runtime:
            self.throttled[i] = False
            self.nthrottled -= 1

    def _runnable(self, now: int) -> None:
        """A real-time task becomes runnable. If none was since a period boundary passed with
        no real-time time owed anywhere, the period timer had stopped: it starts again now."""
        since = self.rt_idle_since
        if self.anchor is None:
            self.anchor = now
            for i in range(len(self.cpus)):
                self.synced[i] = now
        elif not self.nrt and since is not None and self._boundary_after(since) <= now:
            for i in range(len(self.cpus)):
                self._sync(i, now)
            if not any(self.rt_time):
                self.anchor = now
        self.nrt += 1

    def _not_runnable(self, now: int | None) -> None:
        self.nrt -= 1
        if not self.nrt:
            self.rt_idle_since = now

