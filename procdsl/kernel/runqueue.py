"""Run queues and CPUs: placement, dispatch, preemption, blocking and waking, load balancing."""

from __future__ import annotations

from heapq import heappush
from typing import Any, Callable

from procdsl.core.events import IDLE, NO_PID
from procdsl.core.power import state_after
from procdsl.kernel import signals
from procdsl.kernel.priorities import P_BALANCE, P_CPU, P_TIMER
from procdsl.kernel.process import DISK, READY, RUNNING, SLEEPING, STOPPED, Cpu, Proc
from procdsl.kernel.scheduler.base import INF, MIGRATED, PREEMPTED, WAKEUP
from procdsl.kernel.steal import Stealing
from procdsl.kernel.timers import off_cpu, on_cpu


class RunQueues(Stealing):
    """Kernel methods that move tasks between run queues, CPUs and sleep (a link of Kernel's chain)."""

    __slots__ = ()

    def make_runnable(self, p: Proc, near: Cpu | None, why: str) -> None:
        p.state = READY
        cpu = self.select_cpu(p, near, why)
        if self.exploring:
            if len(self.cpus) > 1:
                cpu = self.chooser.place(self, p, cpu)
            self.chooser.armed[cpu.id] = None          # its queue changed: its task may be preempted
        if p.last_cpu >= 0 and p.last_cpu != cpu.id and not self.shared_queue:
            self.emit(cpu.id, p.pid, "migrate", (p.last_cpu, cpu.id))
        self.sched.enqueue(cpu, p, self.now, why)
        if cpu.curr is None:
            # an idle CPU chooses at its own turn of this instant, after every arrival due
            # now has been queued: three jobs arriving together are compared (SJF's convoy)
            if not cpu.resched:
                cpu.resched = True
                self.post(self.now, P_CPU, self._pick_idle, cpu)
        else:
            curr = cpu.curr
            now = self.now
            ran = now - cpu.run_start
            if self.sched.wakeup_preempt(cpu, curr, p, now, ran if ran > 0 else 0):
                self.resched(cpu)
        if not self.balance_pending:        # a balance pass already due covers this arrival
            self.maybe_balance()

    def _pick_idle(self, cpu: Cpu, _: Any) -> None:
        cpu.resched = False
        if cpu.curr is None:
            self.schedule(cpu, None, "idle")

    def select_cpu(self, p: Proc, near: Cpu | None, why: str) -> Cpu:
        """Placement as select_task_rq: the previous CPU if idle, else an idle CPU, else the least loaded."""
        cpus = self.cpus
        if len(cpus) == 1:
            return cpus[0]
        if why == WAKEUP and self.homing and self.policy.home(p) >= 0:
            return cpus[self.policy.home(p)]
        affinity = p.affinity
        allowed = cpus if affinity is None else [c for c in cpus if c.id in affinity] or cpus
        if self.shared_queue:
            return self._select_shared(p, allowed)
        if why == WAKEUP and p.last_cpu >= 0:
            prev = cpus[p.last_cpu]
            if prev in allowed:
                # the previous CPU if it is idle, else the first idle one, else the previous: one
                # call, not nr_queued of each idle CPU (a wake-up of many sleepers at one instant
                # finds every idle CPU with a pick already queued, for each sleeper)
                idle = self.sched.idle_cpu(allowed, prev)
                return prev if idle is None else idle
        idle = self.sched.idle_cpu(allowed)
        if idle is not None:
            return idle
        best, low = allowed[0], -1    # the least loaded, the lowest id among equals (`allowed` is in id order)
        nr_queued = self.sched.nr_queued
        for c in allowed:
            load = nr_queued(c) + (c.curr is not None)
            if low < 0 or load < low:
                best, low = c, load
        return best

    def _select_shared(self, p: Proc, allowed: list[Cpu]) -> Cpu:
        """One queue for all CPUs: the CPU that is told to look at it, an idle one (its previous
        first) that is not already about to pick; else its previous CPU, to judge preemption."""
        prev = self.cpus[p.last_cpu] if p.last_cpu >= 0 else None
        if prev in allowed and prev.curr is None and not prev.resched:
            return prev
        for c in allowed:
            if c.curr is None and not c.resched:
                return c
        return prev if prev in allowed else allowed[0]

    def remove_queued(self, p: Proc) -> None:
        for cpu in self.cpus:
            try:
                self.sched.dequeue(cpu, p)
                return
            except (ValueError, KeyError):
                continue

    def schedule(self, cpu: Cpu, prev: Proc | None, why: str) -> None:
        if self.in_pass is not None and self.defer(cpu, prev, why):
            return                      # multi.py's pass (kernel/steal.py): the CPU chooses at its turn
        nxt = self.sched.pick_next(cpu, self.now)
        if self.exploring and nxt is not None:
            nxt = self.chooser.pick(self, cpu, nxt)
        if nxt is not None and nxt is prev and why == "preempted":
            self.resume(cpu, prev)
            return
        if nxt is None:
            nxt = self.idle_pull(cpu)
        if nxt is None:
            cpu.curr = None
            # a need-resched asked for the task that just left is spent (schedule() clears
            # it in Linux too); left set, it would keep the idle CPU from the next wake-up
            cpu.resched = False
            if prev is not None:
                cpu.idle_since = self.now
                self.emit(cpu.id, IDLE, "switch", (prev.pid, why, 0))
            if self.sched.nthrottled:
                self.after_throttle(cpu)
            return
        self.dispatch(cpu, nxt, prev, why)

    def dispatch(self, cpu: Cpu, p: Proc, prev: Proc | None, why: str) -> None:
        if self.passes is not None:
            self.dispatch_in_pass(cpu, p)
        now = self.now
        warm = cpu.last is p
        cost = 0 if warm else self.cs_cost
        if prev is None and self.power is not None:
            cost += self.idle_exit(cpu, now)
        self.nsteps += 1            # emit(), inline: one a dispatch
        if "switch" not in self.unheard:
            self.record((now, cpu.id, p.pid, "switch", (IDLE if prev is None else prev.pid, why, cost)))
        if self.refill and not warm:
            p.remaining += self.refill
        p.last_cpu = cpu.id
        cpu.last = p
        self.arm(cpu, p, now + cost)

    def idle_exit(self, cpu: Cpu, now: int) -> int:
        """The exit latency of the sleep state an idle CPU reached (core/power.py); the task waits for it."""
        states = self.power
        idle = now - cpu.idle_since
        i = state_after(states, idle)
        if not i:
            return 0                      # still polling: nothing to wake from
        name, _, latency, _ = states[i]
        self.emit(cpu.id, NO_PID, "cstate", (name, idle, latency))
        return latency

    def arm(self, cpu: Cpu, p: Proc, start: int) -> None:
        """Put `p` on `cpu` from `start` with a fresh slice; the CPU's event fires then."""
        if self.cpu_timers and p.itimers is not None:
            on_cpu(self, p, start)      # its CPU-time timers run from `start` (kernel/timers.py)
        p.state = RUNNING
        p.cpu = cpu
        cpu.curr = p
        cpu.run_start = start
        cpu.seg_start = start
        length = self.sched.slice(cpu, p, start)
        cpu.slice_end = start + length if self.exact_slices else self.slice_end(start, length)
        cpu.resched = False
        gen = cpu.gen = cpu.gen + 1
        seq = self.seq = self.seq + 1
        heappush(self.cpu_heap, (start, P_CPU, seq, self.cpu_event, cpu, gen))
        if self.exploring:
            self.chooser.armed[cpu.id] = p
        if self.caches is not None:
            self.cache_dispatch(cpu, p, start)      # its rate there, and when it will be warm

    def slice_end(self, start: int, length: int) -> int:
        """When the policy will look again: exactly at the slice's end, or at the first
        scheduler tick after it when the machine has a `tick` (HZ) set."""
        end = start + length
        tick = self.tick_ns
        if tick and end < INF:
            if self.whole_ticks:
                # SCHED_RR counts its quantum in ticks (task_tick_rt), the one running at the
                # dispatch as a whole one: k ticks end at the k-th tick after it
                end = (start // tick - (-length // tick)) * tick
            else:
                end = -(-end // tick) * tick
        if self.passes is not None:
            self.pass_at(end)          # multi.py's machine: slices ending together end in one pass
        return end

    def resume(self, cpu: Cpu, p: Proc) -> None:
        """The policy picked the task it just preempted: no switch happens, it goes on with a new slice."""
        self.arm(cpu, p, self.now)

    def settle(self, cpu: Cpu, p: Proc) -> None:
        """Count the compute done in the current segment up to now (at `cpu.rate`, the cache
        model's warm or cold rate, else 1), and start a new segment."""
        now = self.now
        if cpu.seg_start < now:
            rem = p.remaining
            if rem:
                rem -= (now - cpu.seg_start) * cpu.rate
                p.remaining = rem if rem > 0 else 0
            cpu.seg_start = now

    def leave_cpu(self, cpu: Cpu, p: Proc) -> None:
        """Account the run that ends now and free the CPU (the caller picks what runs next)."""
        if self.cpu_timers and p.itimers is not None:
            off_cpu(self, p)            # count the CPU time its timers used, and stop them
        now = self.now
        ran = now - cpu.run_start
        if ran < 0:
            ran = 0
        p.cputime += ran
        if cpu.seg_start < now:     # settle(), inline
            rem = p.remaining
            if rem:
                rem -= (now - cpu.seg_start) * cpu.rate
                p.remaining = rem if rem > 0 else 0
            cpu.seg_start = now
        self.sched.put_prev(cpu, p, now, ran)
        cpu.gen += 1
        cpu.curr = None
        p.cpu = None
        if self.caches is not None:
            self.cache_leave(cpu, p)    # its work so far was settled at the old rate

    def preempt(self, cpu: Cpu, p: Proc, why: str = "preempted") -> None:
        self.leave_cpu(cpu, p)
        p.state = READY
        self.sched.enqueue(cpu, p, self.now, PREEMPTED)
        self.schedule(cpu, p, why)

    def put_back(self, cpu: Cpu, p: Proc) -> None:
        """Take the running `p` off `cpu` and queue it there again (the caller picks what runs)."""
        self.leave_cpu(cpu, p)
        p.state = READY
        self.sched.enqueue(cpu, p, self.now, PREEMPTED)

    def block(self, p: Proc, state: str, kind: str, on: Any = None, what: str | Callable[[Proc], str] = "",
              wake: bool = False) -> None:
        """`p` leaves its CPU to wait; with `wake`, the wait is already over (an I/O of 0 ms):
        it is runnable again before the CPU chooses what runs next, as after a yield. `what`,
        the trace's words for the wait, may be a function of p (p.wait_on is `on` by then),
        called only if the record is kept: a check that follows no blocks formats nothing."""
        if p.sigpending and state == SLEEPING:
            # every interruptible wait checks signal_pending before it sleeps: the call goes
            # back to user mode instead, the signal is delivered (the CPU loop sees p still on
            # its CPU) and the call then fails with EINTR or, after SA_RESTART, runs again
            p.wait_kind = kind
            p.wait_on = on
            if on is not None:          # pause and sigsuspend wait on nothing: no call once a delivery
                self.leave_waits(p, on)
            return
        cpu: Cpu = p.cpu
        self.leave_cpu(cpu, p)
        p.state = state
        p.wait_kind = kind
        p.wait_on = on
        if "block" in self.unheard:
            self.nsteps += 1            # a record not kept still counts toward max_events (emit)
        else:
            self.emit(cpu.id, p.pid, "block", (state, (what if isinstance(what, str) else what(p)) or kind))
        if wake:
            self.wake(p, "timer")
        self.schedule(cpu, p, "blocked")

    def stop_process(self, p: Proc, sig: int) -> None:
        cpu = p.cpu
        if cpu is None and p.state == READY:
            self.remove_queued(p)
        p.state = STOPPED
        self.emit(cpu.id if cpu else -1, p.pid, "stop", (sig,))
        signals.child_changed(self, p, sig)            # CLD_STOPPED
        if cpu is not None:
            self.leave_cpu(cpu, p)
            self.schedule(cpu, p, "stopped")

    def wake(self, p: Proc, why: str) -> None:
        """Make a sleeper runnable. A stopped process is not woken here: only SIGCONT and
        SIGKILL resume it, and they move it back to a sleep first (signals.generate)."""
        if p.state not in (SLEEPING, DISK) or p.builtin:
            return
        if p.wait_on is not None:
            self.leave_waits(p, p.wait_on)
        p.timer_token += 1
        self.emit(-1, p.pid, "wake", (why,))
        self.make_runnable(p, self.current, WAKEUP)

    def leave_waits(self, p: Proc, on: Any) -> None:
        """Leave every wait list of `on` (a pipe, a mutex), so no later event wakes p a second time."""
        if on is not None and type(on) is not int:       # a wait's `on` is its options
            for waiters in (getattr(on, "waiters", None), getattr(on, "read_waiters", None),
                            getattr(on, "write_waiters", None)):
                if waiters is not None and p in waiters:
                    waiters.remove(p)
            for waiters in getattr(on, "polled", ()):       # a poll sleeps on several lists
                if p in waiters:
                    waiters.remove(p)

    def after_throttle(self, cpu: Cpu) -> None:
        """`cpu` idles only because its real-time tasks are throttled: look again when the
        next period gives them time back."""
        at = self.sched.unthrottle_at(cpu, self.now)
        if at is not None:
            self.post(at, P_CPU, self._unthrottled, cpu)

    def _unthrottled(self, cpu: Cpu, _: Any) -> bool:
        if cpu.curr is not None or not self.sched.nr_queued(cpu):
            return False
        self.schedule(cpu, None, "idle")
        return cpu.running()            # read afresh: the test above said idle (process.Proc's note)

    def timer(self, p: Proc, at: int) -> None:
        p.timer_token += 1
        self.seq += 1                     # post(), inline: once a sleep
        heappush(self.heap, (at, P_TIMER, self.seq, self._timer_fired, p, p.timer_token))

    def _timer_fired(self, p: Proc, token: int) -> bool:
        if p.timer_token == token and p.state in (SLEEPING, DISK):
            self.wake(p, "timer")
            return True
        return False                      # cancelled: the run's clock must not move for it

    def resched(self, cpu: Cpu) -> None:
        cpu.resched = True
        self.kick(cpu)

    def kick(self, cpu: Cpu) -> None:
        """Interrupt a running CPU (an IPI): it looks at signals and need-resched at once."""
        if cpu.curr is None or cpu is self.current:
            return
        self.settle(cpu, cpu.curr)
        cpu.gen += 1
        self.post(max(self.now, cpu.run_start), P_CPU, self.cpu_event, cpu, cpu.gen)

    def idle_pull(self, cpu: Cpu) -> Proc | None:
        """newidle_balance: a CPU about to idle takes a waiting task from the busiest queue."""
        if len(self.cpus) == 1 or self.balance != "linux":
            return None
        busiest, most = self.busiest_queue()
        if busiest is cpu or most == 0:
            return None
        p = self.sched.steal_candidate(busiest, cpu.id)
        if p is None:
            return None
        self.sched.dequeue(busiest, p)
        self.emit(cpu.id, p.pid, "migrate", (busiest.id, cpu.id))
        self.sched.enqueue(cpu, p, self.now, MIGRATED)
        p.last_cpu = cpu.id
        return self.sched.pick_next(cpu, self.now)

    def busiest_queue(self) -> tuple[Cpu, int]:
        """The CPU with the longest queue (the lowest id among equals) and its length, without a
        key function's call per CPU: a CPU about to idle asks, several times a delivery of signals."""
        nr_queued = self.sched.nr_queued
        busiest, most = self.cpus[0], -1
        for c in self.cpus:
            n = nr_queued(c)
            if n > most:
                busiest, most = c, n
        return busiest, most

    def maybe_balance(self) -> None:
        if self.balance != "linux":
            if self.balance == "steal":
                self.maybe_peek()
            return
        if len(self.cpus) > 1 and not self.balance_pending:
            self.balance_pending = True
            self.post(self.now + self.balance_interval, P_BALANCE, self._balance, None)

    def _balance(self, _: Any, __: Any) -> bool:
        """Every balance interval: move one task from the busiest to the idlest CPU if they
        differ by 2+. Returns whether anything moved (a pass that did nothing leaves the clock)."""
        self.balance_pending = False
        sched = self.sched
        cpus = self.cpus
        loads = [sched.nr_queued(c) + (c.curr is not None) for c in cpus]
        hi = lo = 0                   # the first CPU of the highest load, the first of the lowest
        for i in range(1, len(loads)):
            load = loads[i]
            if load > loads[hi]:
                hi = i
            elif load < loads[lo]:
                lo = i
        busiest, idlest = cpus[hi], cpus[lo]
        moved = False
        if loads[busiest.id] - loads[idlest.id] >= 2:
            p = sched.steal_candidate(busiest, idlest.id)
            if p is not None:
                sched.dequeue(busiest, p)
                self.emit(idlest.id, p.pid, "migrate", (busiest.id, idlest.id))
                sched.enqueue(idlest, p, self.now, MIGRATED)
                p.last_cpu = idlest.id
                moved = True
                if self.exploring:
                    self.chooser.armed[idlest.id] = None
                if idlest.curr is None:
                    self.schedule(idlest, None, "idle")
                elif sched.wakeup_preempt(idlest, idlest.curr, p, self.now, max(0, self.now - idlest.run_start)):
                    self.resched(idlest)
        if moved:
            loads = [sched.nr_queued(c) + (c.curr is not None) for c in cpus]
        if max(loads) >= 2:
            self.maybe_balance()
        return moved

