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
from typing import Any, Final

from procdsl.core.events import NO_PID, Trace
from procdsl.core.gcpause import paused_gc
from procdsl.core.linux import CORE_MIN, SIGFPE
from procdsl.core.records import Records
from procdsl.core.values import DivideByZero, ProgramFault
from procdsl.kernel import deadlock, signals
from procdsl.kernel.chooser import Chooser, mark_visible
from procdsl.kernel.code import BLOCKED, CONTINUE, load_program
from procdsl.kernel.files.fs import FileSystem
from procdsl.kernel.files.netspace import Net
from procdsl.kernel.files.terminal import Terminal, TerminalFile
from procdsl.kernel.jobctl import Groups
from procdsl.kernel.lifecycle import Lifecycle
from procdsl.kernel.opsupport import RuntimeOp, RuntimeProgram
from procdsl.kernel.priorities import P_CPU, P_END, P_OUTSIDE
from procdsl.kernel.process import REAPED, Cpu, LimitReached, Proc
from procdsl.kernel.scheduler import POLICIES
from procdsl.kernel.scheduler.base import INF, SHARED_QUEUE
from procdsl.plan import EventPlan

# main-loop steps between two compactions of the kept records (core/records.Records): each
# record is a step, so a chunk is at most 4,096 records' values pending (40 bytes each in the
# flat list) plus what one step emits. A task run inline emits without coming back to the
# loop; its records wait for the next compaction, still smaller than a TraceEvent each.
COMPACT_STEPS: Final = 4096


def _nothing() -> None:
    pass


class Kernel(Lifecycle):
    """The event loop, at the end of the kernel's chain of classes: lifecycle, run queues,
    stealing and caches each add their methods (one module each), and kernel/state.py declares
    the state they share."""

    __slots__ = ()

    def __init__(self, plan: EventPlan, seed: int | None = None, chooser: Any = None) -> None:
        m = plan.machine
        self.plan = plan
        self.now = 0
        self.seq = 0
        self.heap = []
        # the CPUs' own events (a dispatch's start, a run's end) in a heap of their own: a
        # handful of entries, against one timer per sleeper in `heap`; the loop takes the
        # smaller head of the two, so events run in the same (time, priority, seq) order
        self.cpu_heap = []
        self.events = Records()
        self.unheard = frozenset()     # kinds `emit` need not append: a live feed does nothing with them
        self.rng = random.Random(m.seed if seed is None else seed)
        self.cpus = [Cpu(i) for i in range(m.cpus)]
        policy = POLICIES.get(m.scheduler.name)
        if policy is None:
            raise ValueError(f"scheduler '{m.scheduler.name}' is not available")
        settings = dict(m.scheduler.settings)
        self.shared_queue = m.run_queue == "shared" and m.cpus > 1
        if self.shared_queue:
            settings[SHARED_QUEUE] = 1        # the policy shares its queue as it is built
        self.policy = policy(self.cpus, settings, self.rng)
        self.policy.emit = self.emit
        self.sched = self.policy        # until a real-time task starts (lifecycle._spawn_event)
        self.cs_cost = m.context_switch
        self.refill = m.cache_refill
        self.step = m.step
        self.copy_ns = m.copy_kib
        self.pid_max = m.pid_max
        self.pids_full = 1 << 62     # the number of processes at which alloc_pid last found no free PID
        self.limits = m.limits
        self.max_events = m.limits.max_events
        self.until = plan.until if plan.until is not None else m.limits.max_time
        self.balance_interval = m.balance_interval
        self.balance_pending = False
        self.setup_passes(m)
        self.setup_caches(m)
        self.exact_slices = not m.tick and self.passes is None     # a slice ends when it is used up
        self.homing = self.policy.homing
        self.programs = {name: load_program(code, m, self.rng) for name, code in plan.programs.items()}
        # every choice Linux leaves open goes through the chooser (kernel/chooser.py); the
        # default takes procdsl's own pick and is asked only for a shared `+=`'s window
        self.chooser = chooser(self.rng) if chooser is not None else Chooser(self.rng)
        self.exploring = self.chooser.active
        if self.exploring:
            mark_visible(self.programs, plan)
        self.tick_ns = m.tick
        self.whole_ticks = self.policy.whole_ticks
        self.procs = {}
        # label -> the PIDs it was given, in creation order; PIDs rather than processes, so that a
        # reaped process is freed instead of living on here until the run ends
        self.by_label = {}
        self.label_names = {}
        self.last_pid = 0
        self.nprocs = 0
        self.alive = 0           # live processes other than PID 1
        self.pending_spawns = 0
        self.nsteps = 0
        self.output_bytes = 0
        self.stopped = ""
        self.current = None
        self.next_pipe = 0
        self.net = Net()                            # sockets and their addresses
        self.tty = Terminal(keyboard=bool(plan.tty_inputs), tostop=bool(m.tostop))
        self.groups = Groups()
        self.jobs = []    # per `run` job, how many of its processes have not exited
        self.tty_file = TerminalFile(self.tty)      # the kernel's own reference keeps it open
        self.fs = FileSystem()
        self.installed = {s.program: s.path for s in reversed(plan.files) if s.program}   # each at its first path
        self.next_mutex = 0
        self.power = m.power.states if m.power is not None else None
        self.mm_ptes = 0             # page slots of every mmap, bounded by kernel/mmap.PTE_LIMIT
        self.init = None
        self.fault = None
        self.cpu_timers = False  # an ITIMER_VIRTUAL or ITIMER_PROF was set: dispatch counts for it
        self.next_sib = 0        # the order children join their parent's list (fork or adoption): Proc.seq
        # RLIMIT_CORE: a Core action writes a core (and sets WCOREDUMP) from one page up
        limit = m.core_limit
        self.dumps_core = limit < 0 or limit >= CORE_MIN
        self.core_action = "core dump" if self.dumps_core else \
            f"terminate, no core dump (core_limit {'0' if not limit else 'under 4KiB'})"

    # ------------------------------------------------------------------ plumbing
    @property
    def events(self) -> Any:
        """Where the records go: a Records store (a kept trace) or a live check's Feed."""
        return self._events

    @events.setter
    def events(self, store: Any) -> None:
        # the hot path calls `record` with one plain tuple: a C-level list extend for a store
        # (Records.add), the model's feed for a live check, append for a plain list
        self._events = store
        self.record = getattr(store, "add", None) or store.append
        self.compact = getattr(store, "compact", _nothing)

    # ------------------------------------------------------------------ the run
    def run(self) -> Trace:
        plan = self.plan
        for spec in plan.files:
            for detail in self.fs.declare(spec.path, spec.kind == "dir", spec.text, spec.owner, spec.group, spec.mode):
                self.emit(-1, NO_PID, "inode", detail)
            if spec.program:
                self.fs.bind(spec.path, spec.program)
        if plan.machine.power is not None:
            pw = plan.machine.power
            self.emit(-1, NO_PID, "power", (pw.model, pw.active, pw.states))
        self._start_init()
        for start in plan.starts:
            self.pending_spawns += 1
            self.post(start.time, P_OUTSIDE, self._spawn_event, start)
        for sig in plan.signals:
            self.post(sig.time, P_OUTSIDE, self._external_signal, sig)
        for key in plan.tty_inputs:
            self.post(key.time, P_OUTSIDE, self._at_terminal, key)
        # the end is on the heap, so a CPU running a task inline stops there however long the
        # task's slice is (a SCHED_FIFO task has none), and the heap is never empty while it runs
        self.post(self.until, P_END, self._end_reached, None)
        heap = self.heap
        cpu_heap = self.cpu_heap
        max_events = self.max_events
        check_at = min(max_events, COMPACT_STEPS)
        until = self.until
        reason = ""
        try:
            while not self.stopped:
                if cpu_heap and (not heap or cpu_heap[0] < heap[0]):
                    entry = heappop(cpu_heap)
                    # the CPUs' own heap holds only cpu_event: called as a method, not through the
                    # entry's bound method (the compiled kernel calls it directly)
                    cpu_event = True
                elif heap:
                    entry = heappop(heap)
                    cpu_event = False
                else:
                    reason = self._quiet_end()
                    break
                time: int = entry[0]
                a, b = entry[4], entry[5]
                if time > until:
                    self.now = until
                    reason = "until" if plan.until is not None else "time limit"
                    break
                before = self.now
                self.now = time
                if (self.cpu_event(a, b) if cpu_event else entry[3](a, b)) is False:
                    self.now = before     # a stale event did nothing: the end time must not move
                self.nsteps += 1
                if self.nsteps > check_at:
                    if self.nsteps > max_events:
                        raise LimitReached("max_events", max_events)
                    # every chunk of steps (each record is one), the records so far go into columns
                    self.compact()
                    check_at = min(max_events, self.nsteps + COMPACT_STEPS)
        except LimitReached as lim:
            self.emit(-1, NO_PID, "limit", (lim.limit, lim.value))
            reason = f"limit {lim.limit}"
        except ProgramFault as fault:
            self.fault = fault
            span = fault.span
            self.emit(-1, NO_PID, "fault", (fault.message, getattr(span, "file", ""), getattr(span, "line", 0),
                                       getattr(span, "col", 0)))
            reason = "fault"
        if self.stopped:
            reason = self.stopped
        self.emit(-1, NO_PID, "end", (reason,))
        for label, pids in self.by_label.items():
            if len(pids) > 1:           # worker[0] reads better than worker beside worker[1]
                self.label_names[pids[0]] = f"{label}[0]"
        self.compact()
        return Trace(self._events, self.now, reason, self.label_names, len(self.cpus))

    def _quiet_end(self) -> str:
        """Nothing is left to happen: either everyone is done or everyone waits for good."""
        blocked = [p for p in self.procs.values() if p.alive and p.pid != 1]
        if not blocked:
            return "done"
        self.emit(-1, NO_PID, "deadlock", (deadlock.explain(self, blocked),))
        return "deadlock"

    # ------------------------------------------------------------------ running a CPU
    def cpu_event(self, cpu: Cpu, gen: int) -> bool:
        """Run `cpu`'s task from now until it blocks, its slice or owed compute needs the
        clock, or something else is due first. False: a later event for this CPU superseded it."""
        curr = cpu.curr
        if gen != cpu.gen or curr is None:
            return False
        p: Proc = curr              # typed, so the compiled kernel reads its fields directly
        rate = cpu.rate             # work per ns: set at dispatch, changed only through a new event
        now = self.now
        if cpu.seg_start < now:     # settle(), inline (at the cache model's rate): twice a dispatch
            rem = p.remaining
            if rem:
                rem -= (now - cpu.seg_start) * rate
                p.remaining = rem if rem > 0 else 0
            cpu.seg_start = now
        heap = self.heap
        cpu_heap = self.cpu_heap
        exploring = self.exploring
        max_events = self.max_events
        self.current = cpu
        try:
            while True:
                # a task back from a blocking call first finishes it (a zombie to reap, bytes
                # to read), as the call's own loop does in Linux; only then are signals delivered
                if p.sigpending and not p.wait_kind:
                    signals.deliver(self, p)
                    if not cpu.holds(p):
                        return True
                now = self.now
                rem = p.remaining
                if not rem:
                    code: RuntimeProgram = p.code
                    op: RuntimeOp = code.ops[p.pc]
                # A preemption (a wake-up or arrival asked for one) and the slice's end take the
                # CPU only from a task that still wants CPU time now: owed work, or a statement
                # with a cost. Free statements due at this instant (exit, io, sleep) run first.
                if rem or op.cost:
                    if cpu.resched:
                        cpu.resched = False
                        if self.sched.nr_queued(cpu):
                            self.preempt(cpu, p)
                            return True
                    if now >= cpu.slice_end:
                        # the policy is looked up here, not once per call: most calls end before a slice does
                        sched = self.sched
                        if sched.tick(cpu, p, now, now - cpu.run_start):
                            self.preempt(cpu, p, sched.preempt_reason(cpu, p) if sched.nthrottled else "preempted")
                            return True
                        cpu.slice_end = self.slice_end(now, sched.slice(cpu, p, now))
                if rem:
                    end = now + rem if rate == 1 else now - (-rem // rate)
                    # the run goes on to `end` if nothing else is due first; the heap holds at least
                    # the run's end (`_end_reached`). Times typed: the compiled kernel compares them as ints
                    due: int = heap[0][0]
                    if cpu_heap:
                        cpu_due: int = cpu_heap[0][0]
                        if cpu_due < due:
                            due = cpu_due
                    if end < due and end <= cpu.slice_end:
                        self.now = end
                        p.remaining = 0
                        continue
                    cpu.seg_start = now
                    cpu.gen += 1
                    self.seq += 1
                    heappush(cpu_heap, (end if end < cpu.slice_end else cpu.slice_end, P_CPU, self.seq,
                                        self.cpu_event, cpu, cpu.gen))
                    return True
                if op.precost and p.paid != p.pc:
                    p.paid = p.pc
                    p.remaining = op.precost
                    continue
                if exploring and op.visible and self.chooser.visible(self, cpu, p):
                    return True
                self.nsteps += 1
                try:
                    status = op.fn(self, p, op)
                except DivideByZero:
                    signals.force(self, p, SIGFPE)
                    if self.nsteps > max_events:
                        raise LimitReached("max_events", max_events) from None
                    continue
                if status is not CONTINUE:
                    if status is BLOCKED:
                        if not cpu.holds(p):
                            return True
                        # the call did not sleep because a signal is pending (RunQueues.block)
                        signals.deliver(self, p)
                        if not cpu.holds(p):
                            return True
                    elif not cpu.holds(p):
                        return True
                    continue
                p.paid = -1
                if op.cost:
                    p.remaining += op.cost
                if self.nsteps > max_events:
                    raise LimitReached("max_events", max_events)
        finally:
            self.current = None

    def _end_reached(self, _: Any, __: Any) -> bool:
        """The `until` / `max_time` entry: nothing happens, and it is no work toward max_events."""
        self.nsteps -= 1
        return False

    # ------------------------------------------------------------------ outside events
    def _external_signal(self, sig: Any, _: Any) -> None:
        pids = self.by_label.get(sig.label, [])
        index = sig.index or 0
        target = self.procs.get(pids[index]) if index < len(pids) else None
        # a reaped process has left `procs`, and its PID may since have gone to another process
        if target is None or target.label != sig.label or target.index != index or target.state == REAPED:
            self.emit(-1, NO_PID, "signal", (NO_PID, sig.signal, f"no live process labelled {sig.label}[{index}] (ESRCH)",
                                        "outside"))
            return
        signals.send(self, None, target, sig.signal)

    def _at_terminal(self, key: Any, _: Any) -> None:
        if key.action == "type":
            self.tty.type_text(self, key.text)
        elif key.action == "press":
            self.tty.press(self, key.text)
        else:
            self.tty.hangup(self)


def run_plan(plan: EventPlan, seed: int | None = None, chooser: Any = None) -> Trace:
    """One run; `chooser(rng)` makes the chooser (kernel/chooser.py), the default when None."""
    # The trace is a growing list of tuples the cyclic collector would rescan again and
    # again; the kernel's objects are freed by reference counting, so pause it for the run.
    with paused_gc():
        return Kernel(plan, seed, chooser).run()


__all__ = ["Kernel", "run_plan", "LimitReached", "INF"]
