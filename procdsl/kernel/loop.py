"""The discrete-event machine: one heap of (time, priority, seq) events drives every CPU.

At one instant, events run in priority order: timers (wake-ups) first, then events from
outside (`run`, `send`), then CPUs, then load balancing; ties within a priority go in the
order they were posted. A running task executes statements inline, advancing the clock,
for as long as no other event is due: nothing can observe it in between, so no event is
needed per statement.
"""

from __future__ import annotations

import random
from heapq import heappop, heappush
from typing import Any

from procdsl.kernel import memory, signals
from procdsl.kernel.code import BLOCKED, CONTINUE, compile_program_expr, load_program
from procdsl.kernel.pipes import TERMINAL, End
from procdsl.kernel.process import DISK, READY, REAPED, RUNNING, SLEEPING, STOPPED, ZOMBIE, Cpu, Proc
from procdsl.kernel.scheduler import POLICIES
from procdsl.kernel.scheduler.base import INF, MIGRATED, NEW, PREEMPTED, WAKEUP
from procdsl.linux import ERRNO, RESERVED_PIDS, SIGCHLD, SIGFPE, SIGKILL, weight
from procdsl.plan import EventPlan
from procdsl.trace import Trace, TraceEvent
from procdsl.values import DivideByZero, ProgramFault

P_TIMER, P_OUTSIDE, P_CPU, P_BALANCE = 0, 1, 2, 3


class LimitReached(Exception):
    def __init__(self, limit: str, value: int) -> None:
        super().__init__(limit)
        self.limit = limit
        self.value = value


class Kernel:
    def __init__(self, plan: EventPlan, seed: int | None = None) -> None:
        m = plan.machine
        self.plan = plan
        self.now = 0
        self.seq = 0
        self.heap: list = []
        self.events: list[TraceEvent] = []
        self.rng = random.Random(m.seed if seed is None else seed)
        self.cpus = [Cpu(i) for i in range(m.cpus)]
        policy = POLICIES.get(m.scheduler.name)
        if policy is None:
            raise ValueError(f"scheduler '{m.scheduler.name}' is not available")
        self.sched = policy(self.cpus, dict(m.scheduler.settings), self.rng)
        self.cs_cost = m.context_switch
        self.refill = m.cache_refill
        self.step = m.step
        self.pid_max = m.pid_max
        self.limits = m.limits
        self.until = plan.until if plan.until is not None else m.limits.max_time
        self.balance_interval = m.balance_interval
        self.balance_pending = False
        self.programs = {name: load_program(code, m, self.rng) for name, code in plan.programs.items()}
        self.tick_ns = m.tick
        self.procs: dict[int, Proc] = {}
        # label -> the PIDs it was given, in creation order; PIDs rather than processes, so that a
        # reaped process is freed instead of living on here until the run ends
        self.by_label: dict[str, list[int]] = {}
        self.label_names: dict[int, str] = {}
        self.last_pid = 0
        self.nprocs = 0
        self.alive = 0           # live processes other than PID 1
        self.pending_spawns = 0
        self.nsteps = 0
        self.stopped = ""
        self.current: Cpu | None = None
        self.next_pipe = 0
        self.next_mutex = 0
        self.init: Proc | None = None
        self.fault: ProgramFault | None = None

    # ------------------------------------------------------------------ plumbing
    def post(self, time: int, prio: int, fn: Any, a: Any, b: Any = None) -> None:
        self.seq += 1
        heappush(self.heap, (time, prio, self.seq, fn, a, b))

    def emit(self, cpu: int, pid: int, kind: str, detail: tuple) -> None:
        # trace records count toward max_events too: a loop that only prints or only
        # re-raises a signal must hit the limit as fast as one that only computes
        self.nsteps += 1
        self.events.append(TraceEvent(self.now, cpu, pid, kind, detail))

    def cpu_of(self, p: Proc) -> int:
        return p.cpu.id if p.cpu is not None else -1

    # ------------------------------------------------------------------ the run
    def run(self) -> Trace:
        plan = self.plan
        self._start_init()
        for start in plan.starts:
            self.pending_spawns += 1
            self.post(start.time, P_OUTSIDE, self._spawn_event, start)
        for sig in plan.signals:
            self.post(sig.time, P_OUTSIDE, self._external_signal, sig)
        heap = self.heap
        max_events = self.limits.max_events
        until = self.until
        reason = ""
        try:
            while heap and not self.stopped:
                ev = heappop(heap)
                if ev[0] > until:
                    self.now = until
                    reason = "until" if plan.until is not None else "time limit"
                    break
                self.now = ev[0]
                ev[3](ev[4], ev[5])
                self.nsteps += 1
                if self.nsteps > max_events:
                    raise LimitReached("max_events", max_events)
            else:
                if not self.stopped:
                    reason = self._quiet_end()
        except LimitReached as lim:
            self.emit(-1, 0, "limit", (lim.limit, lim.value))
            reason = f"limit {lim.limit}"
        except ProgramFault as fault:
            self.fault = fault
            span = fault.span
            self.emit(-1, 0, "fault", (fault.message, getattr(span, "file", ""), getattr(span, "line", 0),
                                       getattr(span, "col", 0)))
            reason = "fault"
        if self.stopped:
            reason = self.stopped
        self.emit(-1, 0, "end", (reason,))
        for label, pids in self.by_label.items():
            if len(pids) > 1:           # worker[0] reads better than worker beside worker[1]
                self.label_names[pids[0]] = f"{label}[0]"
        return Trace(self.events, self.now, reason, self.label_names, len(self.cpus))

    def _quiet_end(self) -> str:
        """Nothing is left to happen: either everyone is done or everyone waits for good."""
        blocked = [p for p in self.procs.values() if p.alive and p.pid != 1]
        if not blocked:
            return "done"
        self.emit(-1, 0, "deadlock", (tuple(self.explain_block(p) for p in blocked),))
        return "deadlock"

    def explain_block(self, p: Proc) -> str:
        name = f"{self.label_names[p.pid]}({p.pid})"
        kind, on = p.wait_kind, p.wait_on
        if p.state == STOPPED:
            return f"{name} is stopped and nobody sends SIGCONT"
        if kind == "read" and on is not None:
            holders = self.holders(on, writing=True)
            return f"{name} waits to read {on}, whose write end is still open in {holders}"
        if kind == "write" and on is not None:
            holders = self.holders(on, writing=False)
            return f"{name} waits to write {on}, which is full; its read end is open in {holders}"
        if kind == "lock" and on is not None:
            owner = on.owner
            who = f"{self.label_names[owner.pid]}({owner.pid})" if owner is not None else "nobody"
            return f"{name} waits for {on}, held by {who}"
        if kind == "wait":
            kids = ", ".join(f"{self.label_names[c.pid]}({c.pid})" for c in p.children.values()) or "none"
            return f"{name} waits for a child to exit; its children: {kids}"
        if kind == "pause":
            return f"{name} pauses for a signal that never comes"
        return f"{name} is blocked ({kind or p.state})"

    def holders(self, pipe: Any, writing: bool) -> str:
        names = []
        for q in self.procs.values():
            if q.alive:
                for fd, entry in enumerate(q.fds):
                    if isinstance(entry, End) and entry.pipe is pipe and entry.writing == writing:
                        names.append(f"{self.label_names[q.pid]}({q.pid}) fd {fd}")
        return ", ".join(names) or "no process"

    # ------------------------------------------------------------------ process creation
    def alloc_pid(self) -> int:
        """Cyclic, as alloc_pid: the next free number; wrap to 300 (or 1 on small machines)."""
        pid_max = self.pid_max
        start = self.last_pid + 1
        low = RESERVED_PIDS if self.last_pid >= RESERVED_PIDS and pid_max > RESERVED_PIDS else 1
        candidate = start if start < pid_max else low
        for _ in range(pid_max):
            if candidate not in self.procs:
                self.last_pid = candidate
                return candidate
            candidate += 1
            if candidate >= pid_max:
                candidate = low
        return -1

    def new_proc(self, label: str) -> Proc | None:
        if self.nprocs >= self.limits.max_processes:
            raise LimitReached("max_processes", self.limits.max_processes)
        pid = self.alloc_pid()
        if pid < 0:
            return None
        self.nprocs += 1
        p = Proc(pid, self.nprocs)
        p.label = label
        same = self.by_label.setdefault(label, [])
        p.index = len(same)
        same.append(pid)
        self.label_names[pid] = label if p.index == 0 and label != "" else f"{label}[{p.index}]"
        self.procs[pid] = p
        p.created = self.now
        return p

    def _start_init(self) -> None:
        prog = self.plan.init
        p = self.new_proc(prog or "init")
        assert p is not None and p.pid == 1
        self.label_names[1] = p.label
        self.init = p
        p.cmd = prog or "init"
        p.fds = [TERMINAL, TERMINAL, TERMINAL]
        self.emit(-1, 1, "spawn", (0, p.label, 0, p.cmd, 0, 0))
        if prog is None:
            p.builtin = True
            p.state = SLEEPING
            p.wait_kind = "wait"
            self.emit(-1, 1, "block", ("S", "wait (the built-in init reaps every child)"))
        else:
            p.code = self.programs[prog]
            self.make_runnable(p, None, NEW)

    def _spawn_event(self, start: Any, _: Any) -> None:
        self.pending_spawns -= 1
        init = self.init
        pipes = []
        n = len(start.programs)
        for _i in range(n - 1):
            pipes.append(self.new_pipe())
        for i, (prog, label) in enumerate(zip(start.programs, start.labels)):
            p = self.new_proc(label)
            if p is None:
                self.emit(-1, 0, "fail", ("run " + prog, ERRNO["EAGAIN"]))
                continue
            p.parent = init
            init.children[p.pid] = p
            p.cmd = prog
            p.code = self.programs[prog]
            p.nice = start.nice
            p.weight = weight(start.nice)
            p.uid = start.uid
            p.affinity = start.cpus
            p.rt = start.rt
            if start.tickets is not None:
                p.tickets = start.tickets
            p.burst = start.burst if start.burst is not None else (self.programs[prog].burst or 0)
            stdin = End(pipes[i - 1], False) if i > 0 else TERMINAL
            stdout = End(pipes[i], True) if i < n - 1 else TERMINAL
            p.fds = [stdin, stdout, TERMINAL]
            for entry in (stdin, stdout):
                self.fd_opened(entry)
            args = start.args[i] if i < len(start.args) else ()
            p.args = tuple(f(p) for f in (load_arg(a) for a in args))
            self.alive += 1
            self.emit(-1, p.pid, "spawn", (1, label, p.index, prog, p.nice, p.uid))
            self.sched.fork(init, p, None)
            self.make_runnable(p, None, NEW)
        # the pipes were held only by the processes; drop the creator's references
        for pipe in pipes:
            pipe.readers -= 1
            pipe.writers -= 1

    def new_pipe(self) -> Any:
        from procdsl.kernel.pipes import Pipe
        self.next_pipe += 1
        pipe = Pipe(self.next_pipe)
        pipe.readers = pipe.writers = 1
        return pipe

    def fd_opened(self, entry: Any) -> None:
        if isinstance(entry, End):
            if entry.writing:
                entry.pipe.writers += 1
            else:
                entry.pipe.readers += 1

    def fd_closed(self, entry: Any) -> None:
        if not isinstance(entry, End):
            return
        pipe = entry.pipe
        if entry.writing:
            pipe.writers -= 1
            if pipe.writers == 0:
                self.wake_all(pipe.read_waiters, "end of file")
        else:
            pipe.readers -= 1
            if pipe.readers == 0:
                self.wake_all(pipe.write_waiters, "no readers left")

    def wake_all(self, waiters: list, why: str) -> None:
        if waiters:
            batch = list(waiters)
            waiters.clear()
            for q in batch:
                self.wake(q, why)

    # ------------------------------------------------------------------ fork, exec, exit, reap
    def fork(self, parent: Proc, label: str | None) -> Proc | None:
        child = self.new_proc(label if label is not None else parent.label)
        if child is None:
            return None
        child.parent = parent
        parent.children[child.pid] = child
        child.cmd = parent.cmd
        child.code = parent.code
        child.pc = parent.pc
        child.vars = dict(parent.vars)
        child.args = parent.args
        child.nice = parent.nice
        child.weight = parent.weight
        child.uid = parent.uid
        child.handlers = dict(parent.handlers)
        child.mask = parent.mask
        child.frames = list(parent.frames)
        child.fds = list(parent.fds)
        for entry in child.fds:
            if entry is not None:
                self.fd_opened(entry)
        child.linebuf = dict(parent.linebuf)
        child.heap = memory.share(parent.heap)
        child.affinity = parent.affinity
        child.rt = parent.rt
        child.tickets = parent.tickets
        child.burst = parent.burst
        self.alive += 1
        self.emit(self.cpu_of(parent), parent.pid, "fork", (child.pid, child.label, child.index))
        self.sched.fork(parent, child, parent.cpu)
        self.make_runnable(child, parent.cpu, NEW)
        return child

    def exit_process(self, p: Proc, code: int, sig: int = 0) -> None:
        # A running task keeps its CPU until the next task is picked, so that a parent woken
        # by this exit is queued behind it instead of being dispatched onto a CPU in use.
        cpu = p.cpu
        if cpu is None and p.state == READY:
            self.remove_queued(p)
        p.state = ZOMBIE
        p.exit_code = code & 0xFF
        p.exit_signal = sig
        p.remaining = 0
        self.emit(cpu.id if cpu else -1, p.pid, "exit", (p.exit_code, sig))
        self.sched.exited(p)
        for entry in p.fds:
            if entry is not None:
                self.fd_closed(entry)
        p.fds = []
        memory.release(p.heap)
        if p.wait_kind == "lock" and p.wait_on is not None and p in p.wait_on.waiters:
            p.wait_on.waiters.remove(p)
        if p.pid == 1:
            if cpu is not None:
                self.leave_cpu(cpu, p)
            self._init_exited(p, cpu)
            return
        self.alive -= 1
        reaper = self.find_reaper(p) if p.children else None
        orphans = list(p.children.values())
        for child in orphans:
            self.reparent(child, reaper)
        for child in orphans:
            if child.state == ZOMBIE:
                self.notify_parent(child)
        p.children.clear()
        p.zombies.clear()
        self.notify_parent(p)
        if cpu is not None:
            self.leave_cpu(cpu, p)
            self.schedule(cpu, p, "exit")
        if self.alive == 0 and self.pending_spawns == 0 and self.init.builtin and not self.stopped:
            self.stopped = "done"

    def _init_exited(self, p: Proc, cpu: Cpu | None) -> None:
        """PID 1 is gone: the kernel SIGKILLs every other process and the machine stops."""
        for q in list(self.procs.values()):
            if q is not p and q.alive:
                self.emit(-1, 0, "signal", (q.pid, SIGKILL, "PID 1 exited", "kernel"))
                if q.cpu is not None:
                    self.leave_cpu(q.cpu, q)
                elif q.state == READY:
                    self.remove_queued(q)
                q.state = ZOMBIE
                q.exit_signal = SIGKILL
                self.emit(-1, q.pid, "exit", (0, SIGKILL))
        self.stopped = "init exited"

    def find_reaper(self, p: Proc) -> Proc:
        anc = p.parent
        while anc is not None and anc.pid != 1:
            if anc.subreaper and anc.alive:
                return anc
            anc = anc.parent
        return self.procs[1]

    def reparent(self, child: Proc, new_parent: Proc) -> None:
        child.parent = new_parent
        new_parent.children[child.pid] = child
        self.emit(-1, child.pid, "reparent", (new_parent.pid,))

    def notify_parent(self, child: Proc) -> None:
        parent = child.parent
        if parent.builtin:
            self.reap(parent, child)
            return
        if parent.handlers.get(SIGCHLD) == -1:      # explicitly ignored: the kernel reaps
            self.reap(parent, child)
            if not parent.children and parent.wait_kind == "wait" and parent.state == SLEEPING:
                self.wake(parent, "last child gone")     # its wait now fails with ECHILD
            return
        parent.zombies[child.pid] = child
        signals.generate(self, parent, SIGCHLD, sender=0, source="kernel")
        if parent.wait_kind == "wait" and parent.state == SLEEPING:
            self.wake(parent, "child exited")

    def reap(self, parent: Proc, child: Proc) -> None:
        child.state = REAPED
        parent.children.pop(child.pid, None)
        parent.zombies.pop(child.pid, None)
        self.procs.pop(child.pid, None)
        self.emit(self.cpu_of(parent), parent.pid, "reap", (child.pid,))

    # ------------------------------------------------------------------ run queues and CPUs
    def make_runnable(self, p: Proc, near: Cpu | None, why: str) -> None:
        p.state = READY
        cpu = self.select_cpu(p, near, why)
        if p.last_cpu >= 0 and p.last_cpu != cpu.id:
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
            if self.sched.wakeup_preempt(cpu, curr, p, self.now, max(0, self.now - cpu.run_start)):
                self.resched(cpu)
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
        allowed = [c for c in cpus if p.affinity is None or c.id in p.affinity] or cpus
        if why == WAKEUP and p.last_cpu >= 0:
            prev = cpus[p.last_cpu]
            if prev in allowed and prev.curr is None and self.sched.nr_queued(prev) == 0:
                return prev
        for c in allowed:
            if c.curr is None and self.sched.nr_queued(c) == 0:
                return c
        if why == WAKEUP and p.last_cpu >= 0 and cpus[p.last_cpu] in allowed:
            return cpus[p.last_cpu]
        return min(allowed, key=lambda c: (self.sched.nr_queued(c) + (c.curr is not None), c.id))

    def remove_queued(self, p: Proc) -> None:
        for cpu in self.cpus:
            try:
                self.sched.dequeue(cpu, p)
                return
            except (ValueError, KeyError):
                continue

    def schedule(self, cpu: Cpu, prev: Proc | None, why: str) -> None:
        nxt = self.sched.pick_next(cpu, self.now)
        if nxt is not None and nxt is prev and why == "preempted":
            self.resume(cpu, prev)
            return
        if nxt is None:
            nxt = self.idle_pull(cpu)
        if nxt is None:
            cpu.curr = None
            if prev is not None:
                self.emit(cpu.id, 0, "switch", (prev.pid, why, 0))
            return
        self.dispatch(cpu, nxt, prev, why)

    def dispatch(self, cpu: Cpu, p: Proc, prev: Proc | None, why: str) -> None:
        now = self.now
        cost = 0 if cpu.last is p else self.cs_cost
        self.events.append(TraceEvent(now, cpu.id, p.pid, "switch", (prev.pid if prev is not None else 0, why, cost)))
        if self.refill and cpu.last is not p:
            p.remaining += self.refill
        p.state = RUNNING
        p.cpu = cpu
        p.last_cpu = cpu.id
        cpu.curr = p
        cpu.last = p
        start = now + cost
        cpu.run_start = start
        cpu.seg_start = start
        cpu.slice_end = self.slice_end(start, self.sched.slice(cpu, p, start))
        cpu.resched = False
        cpu.gen += 1
        self.seq += 1
        heappush(self.heap, (start, P_CPU, self.seq, self.cpu_event, cpu, cpu.gen))

    def slice_end(self, start: int, length: int) -> int:
        """When the policy will look again: exactly at the slice's end, or at the first
        scheduler tick after it when the machine has a `tick` (HZ) set."""
        end = start + length
        tick = self.tick_ns
        if tick and end < INF:
            end = -(-end // tick) * tick
        return end

    def resume(self, cpu: Cpu, p: Proc) -> None:
        """The policy picked the task it just preempted: no switch happens, it goes on with a new slice."""
        now = self.now
        p.state = RUNNING
        p.cpu = cpu
        cpu.curr = p
        cpu.run_start = now
        cpu.seg_start = now
        cpu.slice_end = self.slice_end(now, self.sched.slice(cpu, p, now))
        cpu.resched = False
        cpu.gen += 1
        self.post(now, P_CPU, self.cpu_event, cpu, cpu.gen)

    def leave_cpu(self, cpu: Cpu, p: Proc) -> None:
        """Account the run that ends now and free the CPU (the caller picks what runs next)."""
        ran = self.now - cpu.run_start
        if ran < 0:
            ran = 0
        p.cputime += ran
        if p.remaining and cpu.seg_start < self.now:
            p.remaining = max(0, p.remaining - (self.now - cpu.seg_start))
        self.sched.put_prev(cpu, p, self.now, ran)
        cpu.gen += 1
        cpu.curr = None
        p.cpu = None

    def preempt(self, cpu: Cpu, p: Proc) -> None:
        self.leave_cpu(cpu, p)
        p.state = READY
        self.sched.enqueue(cpu, p, self.now, PREEMPTED)
        self.schedule(cpu, p, "preempted")

    def block(self, p: Proc, state: str, kind: str, on: Any = None, what: str = "") -> None:
        cpu = p.cpu
        self.leave_cpu(cpu, p)
        p.state = state
        p.wait_kind = kind
        p.wait_on = on
        self.emit(cpu.id, p.pid, "block", (state, what or kind))
        self.schedule(cpu, p, "blocked")

    def stop_process(self, p: Proc, sig: int) -> None:
        cpu = p.cpu
        if cpu is None and p.state == READY:
            self.remove_queued(p)
        p.state = STOPPED
        self.emit(cpu.id if cpu else -1, p.pid, "stop", (sig,))
        if p.parent is not None and not p.parent.builtin:
            signals.generate(self, p.parent, SIGCHLD, sender=0, source="kernel")
        if cpu is not None:
            self.leave_cpu(cpu, p)
            self.schedule(cpu, p, "stopped")

    def wake(self, p: Proc, why: str) -> None:
        if p.state not in (SLEEPING, DISK, STOPPED) or p.builtin:
            return
        if p.wait_kind == "lock" and p.wait_on is not None and p in p.wait_on.waiters:
            p.wait_on.waiters.remove(p)
        p.timer_token += 1
        self.emit(-1, p.pid, "wake", (why,))
        self.make_runnable(p, self.current, WAKEUP)

    def timer(self, p: Proc, at: int) -> None:
        p.timer_token += 1
        self.post(at, P_TIMER, self._timer_fired, p, p.timer_token)

    def _timer_fired(self, p: Proc, token: int) -> None:
        if p.timer_token == token and p.state in (SLEEPING, DISK):
            self.wake(p, "timer")

    def resched(self, cpu: Cpu) -> None:
        cpu.resched = True
        self.kick(cpu)

    def kick(self, cpu: Cpu) -> None:
        """Interrupt a running CPU (an IPI): it looks at signals and need-resched at once."""
        if cpu.curr is None or cpu is self.current:
            return
        if cpu.curr.remaining and cpu.seg_start < self.now:
            cpu.curr.remaining = max(0, cpu.curr.remaining - (self.now - cpu.seg_start))
            cpu.seg_start = self.now
        cpu.gen += 1
        self.post(max(self.now, cpu.run_start), P_CPU, self.cpu_event, cpu, cpu.gen)

    def idle_pull(self, cpu: Cpu) -> Proc | None:
        """newidle_balance: a CPU about to idle takes a waiting task from the busiest queue."""
        if len(self.cpus) == 1:
            return None
        busiest = max(self.cpus, key=lambda c: (self.sched.nr_queued(c), -c.id))
        if busiest is cpu or self.sched.nr_queued(busiest) == 0:
            return None
        p = self.sched.steal_candidate(busiest, cpu.id)
        if p is None:
            return None
        self.sched.dequeue(busiest, p)
        self.emit(cpu.id, p.pid, "migrate", (busiest.id, cpu.id))
        self.sched.enqueue(cpu, p, self.now, MIGRATED)
        p.last_cpu = cpu.id
        return self.sched.pick_next(cpu, self.now)

    def maybe_balance(self) -> None:
        if len(self.cpus) > 1 and not self.balance_pending:
            self.balance_pending = True
            self.post(self.now + self.balance_interval, P_BALANCE, self._balance, None)

    def _balance(self, _: Any, __: Any) -> None:
        """Every balance interval: move one task from the busiest to the idlest CPU if they differ by 2+."""
        self.balance_pending = False
        sched = self.sched
        load = lambda c: sched.nr_queued(c) + (c.curr is not None)  # noqa: E731
        busiest = max(self.cpus, key=lambda c: (load(c), -c.id))
        idlest = min(self.cpus, key=lambda c: (load(c), c.id))
        if load(busiest) - load(idlest) >= 2:
            p = sched.steal_candidate(busiest, idlest.id)
            if p is not None:
                sched.dequeue(busiest, p)
                self.emit(idlest.id, p.pid, "migrate", (busiest.id, idlest.id))
                sched.enqueue(idlest, p, self.now, MIGRATED)
                p.last_cpu = idlest.id
                if idlest.curr is None:
                    self.schedule(idlest, None, "idle")
                elif sched.wakeup_preempt(idlest, idlest.curr, p, self.now, max(0, self.now - idlest.run_start)):
                    self.resched(idlest)
        if any(load(c) >= 2 for c in self.cpus):
            self.maybe_balance()

    # ------------------------------------------------------------------ running a CPU
    def cpu_event(self, cpu: Cpu, gen: int) -> None:
        if gen == cpu.gen and cpu.curr is not None:
            self.execute(cpu)

    def execute(self, cpu: Cpu) -> None:
        p = cpu.curr
        now = self.now
        if p.remaining and cpu.seg_start < now:
            p.remaining -= now - cpu.seg_start
            if p.remaining < 0:
                p.remaining = 0
        cpu.seg_start = now
        heap = self.heap
        sched = self.sched
        self.current = cpu
        try:
            while True:
                if p.sigpending:
                    signals.deliver(self, p)
                    if cpu.curr is not p:
                        return
                if cpu.resched:
                    cpu.resched = False
                    if sched.nr_queued(cpu):
                        self.preempt(cpu, p)
                        return
                now = self.now
                rem = p.remaining
                if rem:
                    if now >= cpu.slice_end:
                        if sched.tick(cpu, p, now, now - cpu.run_start):
                            self.preempt(cpu, p)
                            return
                        cpu.slice_end = self.slice_end(now, sched.slice(cpu, p, now))
                    end = now + rem
                    if end <= cpu.slice_end and (not heap or end < heap[0][0]):
                        self.now = end
                        p.remaining = 0
                        continue
                    cpu.seg_start = now
                    cpu.gen += 1
                    self.seq += 1
                    heappush(heap, (end if end < cpu.slice_end else cpu.slice_end, P_CPU, self.seq,
                                    self.cpu_event, cpu, cpu.gen))
                    return
                op = p.code.ops[p.pc]
                if op.cost and now >= cpu.slice_end:
                    if sched.tick(cpu, p, now, now - cpu.run_start):
                        self.preempt(cpu, p)
                        return
                    cpu.slice_end = self.slice_end(now, sched.slice(cpu, p, now))
                if op.precost and p.paid != p.pc:
                    p.paid = p.pc
                    p.remaining = op.precost
                    continue
                self.nsteps += 1
                try:
                    status = op.fn(self, p, op)
                except DivideByZero:
                    signals.force(self, p, SIGFPE)
                    if self.nsteps > self.limits.max_events:
                        raise LimitReached("max_events", self.limits.max_events) from None
                    continue
                except ProgramFault:
                    raise
                if status is not CONTINUE:
                    if status is BLOCKED:
                        return
                    if cpu.curr is not p:
                        return
                    continue
                p.paid = -1
                if op.cost:
                    p.remaining += op.cost
                if self.nsteps > self.limits.max_events:
                    raise LimitReached("max_events", self.limits.max_events)
        finally:
            self.current = None

    # ------------------------------------------------------------------ outside events
    def _external_signal(self, sig: Any, _: Any) -> None:
        pids = self.by_label.get(sig.label, [])
        index = sig.index or 0
        target = self.procs.get(pids[index]) if index < len(pids) else None
        # a reaped process has left `procs`, and its PID may since have gone to another process
        if target is None or target.label != sig.label or target.index != index or target.state == REAPED:
            self.emit(-1, 0, "signal", (0, sig.signal, f"no live process labelled {sig.label}[{index}] (ESRCH)",
                                        "outside"))
            return
        signals.send(self, None, target, sig.signal)


def load_arg(expr: Any) -> Any:
    return compile_program_expr(expr)


def run_plan(plan: EventPlan, seed: int | None = None) -> Trace:
    return Kernel(plan, seed).run()


__all__ = ["Kernel", "run_plan", "LimitReached", "INF"]
