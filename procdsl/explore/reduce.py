"""Partial-order reduction by sleep sets (Godefroid 1996), over the kernel's action choices.

At a choice of which process runs its next visible statement, an option already explored
by an earlier sibling goes to sleep; it stays asleep down the branch for as long as every
statement that runs is independent of it (kernel/footprint.py), since running it there
would only reorder two statements that commute, an order the sibling covered. A choice
where every option is asleep ends the run: all its schedules were covered.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from procdsl.kernel.footprint import IO_OPS, Reading, alone, footprint, independent
from procdsl.plan import EventPlan


class SleepSets:
    """The sleep set of the run in progress; `tried[pos]` holds the options the search already
    took at choice `pos` before the one this run takes there."""

    __slots__ = ("sleep", "tried", "reading")

    def __init__(self, tried: dict[int, list[int]], reading: Reading) -> None:
        self.sleep: dict[int, frozenset] = {}
        self.tried = tried
        self.reading = reading      # which orders can matter in this plan (kernel/footprint.py)

    def executed(self, k: Any, p: Any) -> None:
        """`p` runs its visible statement: whatever it does not commute with wakes up."""
        if self.sleep:
            fp = footprint(k, p, self.reading)
            self.sleep = {q: f for q, f in self.sleep.items() if q != p.pid and independent(f, fp)}

    def node(self, k: Any, pos: int, pids: tuple) -> tuple[int, ...]:
        """The options (indexes into `pids`) to explore at choice `pos`: those awake, or the
        first awake one alone when nothing another process can do touches it."""
        tried = self.tried.get(pos)
        if tried:
            for i in tried:
                q = k.procs.get(pids[i])
                if q is not None:
                    self.sleep[pids[i]] = footprint(k, q, self.reading)
        sleep = self.sleep
        awake = tuple(i for i, pid in enumerate(pids) if pid not in sleep)
        for i in awake:
            q = k.procs[pids[i]]
            if alone(k, q, footprint(k, q, self.reading), self.reading):
                return (i,)
        return awake

    def key(self) -> frozenset:
        return frozenset(self.sleep.items())


def reducible(plan: EventPlan) -> bool:
    """Sleep sets need every action to be a visible statement of a process: nothing may arrive
    from outside the machine once the first choice is made (a later `run`, an `at ... send`),
    and no process may die of a signal another sent (that exit is no statement of its own)."""
    return not plan.signals and all(s.time == 0 for s in plan.starts) and not sends(plan)


def _names(e: Any) -> Any:
    if e is None:
        return
    if getattr(e, "kind", None) == "name":
        yield e.id
    for name in type(e).model_fields:
        value = getattr(e, name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, BaseModel):
                yield from _names(item)


def reads_pids(plan: EventPlan) -> bool:
    """Does a program read a PID (`pid`, `ppid`, what fork or wait returned)? Then the order
    of two forks (which child gets which PID) is part of what can differ."""
    ops = [op for code in plan.programs.values() for op in code.ops]
    holders = {"pid", "ppid"} | {op.name for op in ops if op.op in ("fork", "fork_block", "wait") and op.name}
    return any(n in holders for op in ops for e in (op.expr, op.expr2, *op.args) for n in _names(e))


def sends(plan: EventPlan) -> bool:
    return bool(plan.signals) or any(op.op == "send" for code in plan.programs.values() for op in code.ops)


def reading(plan: EventPlan, judged: bool) -> Reading:
    """Which orders can matter in `plan`. An expectation judged on each run may look at who
    printed when, or at which child got which label, so then every such order matters."""
    ops = [op for code in plan.programs.values() for op in code.ops]
    lines = {op.expr.value if getattr(op.expr, "kind", None) == "lit" else None for op in ops if op.op == "print"}
    quiet = all(op.op not in IO_OPS or op.op == "print" for op in ops) and all(len(s.programs) == 1 for s in plan.starts)
    only = next(iter(lines)) if quiet and len(lines) == 1 and None not in lines else None
    return Reading(pids=judged or reads_pids(plan), lines=not judged, senders=sends(plan), only_line=only)
