"""The choices Linux leaves open, taken in one place: the default takes procdsl's own pick,
a `Script` replays a schedule and records the choices it meets (docs/design.md §8).

A *choice* is a point where more than one option existed; option 0 is always what procdsl
does without a schedule. A *schedule* is the sequence of options taken, written `0.1.1.0`;
choices past its end take option 0 (a window's, the seeded draw), so the empty schedule is
the default run. Where only one option exists nothing is asked and nothing is recorded.
"""

from __future__ import annotations

from typing import Any, Callable

from procdsl.kernel.process import READY
from procdsl.kernel.scheduler.base import PREEMPTED

# the kinds of choice (docs/linux-fidelity.md: which choices Linux leaves open, and why)
PREEMPT = "preempt"      # before a visible statement: go on, or switch to a queued task
PICK = "pick"            # a CPU picks its next task: the policy's, or another queued one
CPU = "cpu"              # a task placed on an idle CPU: the policy's, or one unlike it
SIGNAL = "signal"        # a signal for a task running on another CPU: noticed at once or later
WINDOW = "window"        # a shared `+=`: how long between its load and its store
KINDS = (PREEMPT, PICK, CPU, SIGNAL, WINDOW)
ACTIONS = (PREEMPT, PICK)     # choices of which process runs its next visible statement

MAX_SCHEDULE = 100_000   # choices a schedule string may hold


class ScheduleError(ValueError):
    """A schedule string that is malformed or does not fit the run it is given to."""


def parse_schedule(text: str) -> tuple[int, ...]:
    """`0.1.1.0` -> (0, 1, 1, 0); the empty string (or `-`) is the default schedule."""
    text = text.strip()
    if text in ("", "-"):
        return ()
    parts = text.split(".")
    if len(parts) > MAX_SCHEDULE:
        raise ScheduleError(f"a schedule holds at most {MAX_SCHEDULE} choices, this one has {len(parts)}")
    out = []
    for n, part in enumerate(parts, 1):
        if not part.isascii() or not part.isdigit() or len(part) > 9:
            raise ScheduleError(f"choice {n} of the schedule is {part!r}: a schedule is option numbers "
                                f"separated by dots, like 0.1.1.0")
        out.append(int(part))
    return tuple(out)


def format_schedule(indexes: Any) -> str:
    """The schedule's text, trailing zeros dropped (they are what a missing choice takes)."""
    items = list(indexes)
    while items and items[-1] == 0:
        items.pop()
    return ".".join(map(str, items))


class Chooser:
    """The default: every choice takes procdsl's own pick (a window, the seeded draw); records nothing."""

    __slots__ = ("rng",)
    active = False

    def __init__(self, rng: Any) -> None:
        self.rng = rng

    def window(self, k: Any, p: Any, hi: int) -> int:
        return self.rng.randint(0, hi)


class Pruned(Exception):
    """The explorer stops a run whose futures are covered: its state was seen before ("seen"), or
    every option at a choice is asleep ("asleep": an earlier sibling ran each of them first)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class Script(Chooser):
    """Replays `script`, then takes option 0; records every choice (kind, option, width, time, cpu, pids, default).

    `bound` caps the preemptions (a PREEMPT choice taken other than 0); past it none is offered.
    `visit(k, script)` is called before each choice past the script (the explorer's state hashing)."""

    __slots__ = ("script", "pos", "taken", "bound", "used", "armed", "error", "visit", "bounded", "por")
    active = True

    def __init__(self, rng: Any, script: tuple[int, ...] = (), bound: int | None = None,
                 visit: Callable[[Any, Script], None] | None = None, por: Any = None) -> None:
        super().__init__(rng)
        self.script = script
        self.pos = 0
        self.taken: list[tuple] = []
        self.bound = bound
        self.used = 0
        self.armed: dict[int, Any] = {}       # cpu -> the task just dispatched there, until it acts
        self.error = ""
        self.visit = visit
        self.bounded = False          # the bound kept a preemption from being offered
        self.por = por                # the explorer's sleep sets (explore/reduce.py), or None

    def choose(self, k: Any, kind: str, n: int, cpu: int, pids: tuple, default: int = 0,
               capped: bool = False) -> int:
        """Option `i` of `n` at this choice. `capped`: the preemption bound allows only option 0
        (the choice is still recorded, so a schedule replays the same under any bound)."""
        pos = self.pos
        fresh = pos >= len(self.script)
        if fresh and self.visit is not None:
            self.visit(k, self)
        allowed = None                # the options the explorer may take here (None: all)
        if self.por is not None and kind in ACTIONS:
            allowed = self.por.node(k, pos, pids)      # the others were run first by an earlier sibling
        if capped:
            self.bounded = True
            allowed = tuple(i for i in (allowed if allowed is not None else (0,)) if i == 0)
        if fresh:
            if allowed is not None:
                if not allowed:
                    raise Pruned("asleep")
                default = allowed[0]
            i = default
        else:
            i = self.script[pos]
            if i >= n:
                if not self.error:
                    self.error = (f"choice {pos + 1} of the schedule is {i}, but that choice ({kind} at "
                                  f"{k.now:,} ns) has only {n} options (0 to {n - 1}): the schedule does not "
                                  f"fit this file")
                i = default
        self.pos = pos + 1
        self.taken.append((kind, i, n, k.now, cpu, pids, default, allowed))
        return i

    def finish(self) -> None:
        """After the run: a schedule with more choices than the run met does not fit it."""
        if not self.error and self.pos < len(self.script):
            self.error = (f"the schedule has {len(self.script)} choices but the run met only {self.pos}: "
                          f"the schedule does not fit this file")

    @property
    def schedule(self) -> str:
        return format_schedule(t[1] for t in self.taken)

    # ---------------------------------------------------------------- the choice points
    def window(self, k: Any, p: Any, hi: int) -> int:
        drawn = self.rng.randint(0, hi)        # always drawn, so the seeded stream is the same under any schedule
        if hi <= 0:
            return drawn
        return self.choose(k, WINDOW, hi + 1, k.cpu_of(p), (p.pid,), drawn)

    def visible(self, k: Any, cpu: Any, p: Any) -> bool:
        """Before `p`'s visible statement on `cpu`: switch to a queued task? True when it did."""
        if self._switch(k, cpu, p):
            return True
        if self.por is not None:
            self.por.executed(k, p)
        return False

    def _switch(self, k: Any, cpu: Any, p: Any) -> bool:
        armed = self.armed
        if armed.get(cpu.id) is p:
            # p was just picked and nothing joined the queue since: switching now is a pick
            # the dispatch already offered
            armed[cpu.id] = None
            return False
        sched = k.sched
        if not sched.nr_queued(cpu):
            return False
        others = sched.queued(cpu)
        i = self.choose(k, PREEMPT, len(others) + 1, cpu.id, (p.pid,) + tuple(q.pid for q in others), 0,
                        self.bound is not None and self.used >= self.bound)
        if not i:
            return False
        self.used += 1
        q = others[i - 1]
        k.leave_cpu(cpu, p)
        p.state = READY
        sched.enqueue(cpu, p, k.now, PREEMPTED)
        sched.dequeue(cpu, q)
        k.dispatch(cpu, q, p, "preempted")
        return True

    def pick(self, k: Any, cpu: Any, nxt: Any) -> Any:
        """The policy picked `nxt`: take it, or one of the others waiting on `cpu`."""
        sched = k.sched
        if not sched.nr_queued(cpu):
            return nxt
        others = sched.queued(cpu)
        i = self.choose(k, PICK, len(others) + 1, cpu.id, (nxt.pid,) + tuple(q.pid for q in others))
        if not i:
            return nxt
        q = others[i - 1]
        sched.dequeue(cpu, q)
        sched.enqueue(cpu, nxt, k.now, PREEMPTED)
        return q

    def flip(self, k: Any, kind: str, decided: bool, cpu: int, pid: int) -> bool:
        """A yes/no the policy decided: keep its answer (0) or take the other (1)."""
        return decided if not self.choose(k, kind, 2, cpu, (pid,)) else not decided

    def place(self, k: Any, p: Any, cpu: Any) -> Any:
        """`p` goes to idle `cpu`: or to an idle CPU unlike it (one where `p` ran last, or not).
        Idle CPUs alike differ only in their number, so one of each kind is offered."""
        if cpu.curr is not None or k.sched.nr_queued(cpu):
            return cpu
        warm = cpu.last is p
        for c in k.cpus:
            if c is not cpu and c.curr is None and (c.last is p) != warm and not k.sched.nr_queued(c) \
                    and (p.affinity is None or c.id in p.affinity):
                return c if self.choose(k, CPU, 2, cpu.id, (p.pid,)) else cpu
        return cpu


def mark_visible(programs: dict, plan: Any) -> None:
    """Set each loaded op's `visible`: False only for a statement that reads and writes nothing
    but its own process's variables (no shared variable, no parent, no random draw)."""
    shared = {op.name for code in plan.programs.values() for op in code.ops
              if op.op in ("assign", "mutex") and op.flag and op.name}
    for name, prog in programs.items():
        for op, planned in zip(prog.ops, plan.programs[name].ops):
            op.pure = all(_local(e, shared) for e in (planned.expr, planned.expr2, *planned.args))
            op.visible = not (planned.op in LOCAL and planned.name not in shared and not planned.flag and op.pure)


LOCAL = frozenset(("compute", "jump", "jump_if_false", "repeat_init", "repeat_next", "for_init", "for_next",
                   "assign"))
_KERNEL_NAMES = frozenset(("ppid",))      # a name a process reads that another process can change


def _local(e: Any, shared: set) -> bool:
    if e is None:
        return True
    kind = getattr(e, "kind", None)
    if kind == "name":
        return e.id not in shared and e.id not in _KERNEL_NAMES
    if kind == "call" and e.func != "len":
        return False
    if kind == "binary" and e.op in ("/", "%"):
        return False                      # a division by zero kills the process: others see it exit
    for field in type(e).model_fields:
        value = getattr(e, field)
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if hasattr(type(item), "model_fields") and not _local(item, shared):
                return False
    return True
