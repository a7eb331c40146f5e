"""The scheduling-policy interface: per-CPU run queues behind a few hooks the kernel calls.

The kernel owns time, CPUs and process state; a policy only orders runnable tasks.
`ran` is always the CPU time (ns) the task has used since it was last dispatched.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final, Iterable, Sequence

from procdsl.kernel.process import Cpu, Proc

INF: Final = 1 << 62

# why a task enters a run queue
NEW: Final = "new"
WAKEUP: Final = "wakeup"
PREEMPTED: Final = "preempted"
MIGRATED: Final = "migrated"
# a setting the kernel adds for `run_queue shared` (no user can write it: it is not a name)
SHARED_QUEUE: Final = "run queue shared"


def first_allowed(tasks: Iterable[Proc], cpu_id: int) -> Proc | None:
    """The first of `tasks` whose affinity lets it run on CPU `cpu_id`. Policies pass their
    queue back to front, so load balancing moves the task that would run last."""
    for p in tasks:
        if p.affinity is None or cpu_id in p.affinity:
            return p
    return None


class Scheduler:
    name: ClassVar[str] = "base"
    # the kernel's emit(cpu, pid, kind, detail), for a policy with per-task state that
    # observers ask about (mlfq's levels); None when the policy runs on its own
    emit: Any = None
    # with the machine's `tick`: True if a quantum is a whole number of ticks, counted from the
    # tick under way at dispatch (SCHED_RR); False if a slice ends at the first tick after it
    whole_ticks: ClassVar[bool] = False
    homing: bool = False    # True if home() may name a CPU
    nthrottled: int = 0          # CPUs whose real-time tasks are throttled (rt.py keeps the count)

    def __init__(self, cpus: Sequence[Cpu], settings: dict[str, int], rng: Any) -> None:
        self.cpus = cpus
        self.settings = settings
        self.rng = rng
        for cpu in cpus:
            cpu.rq = self.new_rq()

    # ---- queue structure
    def new_rq(self) -> Any:
        raise NotImplementedError

    def nr_queued(self, cpu: Cpu) -> int:
        raise NotImplementedError

    def idle_cpu(self, cpus: Sequence[Cpu], first: Cpu | None = None) -> Cpu | None:
        """The first of `cpus` that runs nothing and has nothing queued (`first` asked before the
        others), or None. One call where the wake-up path would ask nr_queued of every idle CPU;
        a policy may read its queues directly."""
        nr_queued = self.nr_queued
        if first is not None and first.curr is None and nr_queued(first) == 0:
            return first
        for c in cpus:
            if c.curr is None and nr_queued(c) == 0:
                return c
        return None

    def enqueue(self, cpu: Cpu, p: Proc, now: int, why: str) -> None:
        raise NotImplementedError

    def dequeue(self, cpu: Cpu, p: Proc) -> None:
        """Take a queued (not running) task off the queue: it was killed or is migrating."""
        raise NotImplementedError

    def pick_next(self, cpu: Cpu, now: int) -> Proc | None:
        raise NotImplementedError

    def steal_candidate(self, cpu: Cpu, allowed: int) -> Proc | None:
        """A queued task that load balancing may move to CPU `allowed` (its affinity permitting)."""
        raise NotImplementedError

    def queued(self, cpu: Cpu) -> list[Proc]:
        """Every task waiting in `cpu`'s queue, in the order the policy would take them (or
        arrival order): the other tasks `procdsl explore` may pick (kernel/chooser.py)."""
        raise NotImplementedError

    def first_candidate(self, cpu: Cpu, allowed: int) -> Proc | None:
        """The task `balance steal` takes: the first in the queue for a queue in order (multi.py)."""
        return self.steal_candidate(cpu, allowed)

    def share_queue(self) -> None:
        """`run_queue shared`: every CPU uses CPU 0's queue (the validator allows fifo and rr).
        Called by the policy's constructor."""
        for cpu in self.cpus[1:]:
            cpu.rq = self.cpus[0].rq

    # ---- accounting and decisions
    def put_prev(self, cpu: Cpu, p: Proc, now: int, ran: int) -> None:
        """`p` leaves the CPU after running `ran` ns (preempted, blocked, stopped or exited)."""

    def slice(self, cpu: Cpu, p: Proc, now: int) -> int:
        """How long `p` may run before the policy looks again (INF: until it blocks)."""
        return INF

    def tick(self, cpu: Cpu, p: Proc, now: int, ran: int) -> bool:
        """The slice is used up and `p` still wants the CPU: preempt it?"""
        return self.nr_queued(cpu) > 0

    def wakeup_preempt(self, cpu: Cpu, curr: Proc, woken: Proc, now: int, ran: int) -> bool:
        return False

    def home(self, p: Proc) -> int:
        """The CPU a woken `p` must go back to (fifo's switch_on_end keeps it waiting); -1: any."""
        return -1

    def fork(self, parent: Proc, child: Proc, parent_cpu: Cpu | None) -> None:
        """A new task inherits what the policy keeps per task."""

    def reweight(self, p: Proc, old_weight: int) -> None:
        """`p`'s nice value changed; it is running or queued."""

    def exited(self, p: Proc) -> None:
        """`p` is gone (for policies that keep global state, like lottery)."""

    # ---- real-time throttling (rt.py); a policy alone throttles nothing
    def preempt_reason(self, cpu: Cpu, p: Proc) -> str:
        return "preempted"

    def unthrottle_at(self, cpu: Cpu, now: int) -> int | None:
        return None
