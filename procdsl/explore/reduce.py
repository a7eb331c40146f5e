"""Partial-order reduction by sleep sets (Godefroid 1996), over the kernel's action choices.

At a choice of which process runs its next visible statement, an option already explored
by an earlier sibling goes to sleep; it stays asleep down the branch for as long as every
statement that runs is independent of it (kernel/footprint.py), since running it there
would only reorder two statements that commute, an order the sibling covered. A choice
where every option is asleep ends the run: all its schedules were covered.
"""

from __future__ import annotations

from typing import Any

from procdsl.kernel.footprint import Reading, alone, footprint, independent


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
