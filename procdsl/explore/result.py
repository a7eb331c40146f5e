"""What an exploration found: the outcomes with their shortest schedules, the verdicts of
per-run expectations, and each pass of the search, with exactly what it covered."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from procdsl.explore.outcome import Outcome


def shorter(a: Optional[str], b: str) -> str:
    """The shorter schedule (fewer choices, then the smaller text): the one a report shows."""
    if a is None:
        return b
    ka, kb = (a.count(".") + (a != ""), a), (b.count(".") + (b != ""), b)
    return b if kb < ka else a


@dataclass
class Found:
    """One outcome: how many runs ended with it, and the shortest schedule that does."""

    schedule: str
    runs: int = 1


@dataclass
class Verdicts:
    """One per-schedule expectation over the runs: how many held and failed, the shortest of each."""

    held: int = 0
    failed: int = 0
    held_by: Optional[str] = None
    failed_by: Optional[str] = None

    def add(self, ok: bool, schedule: str) -> None:
        if ok:
            self.held += 1
            self.held_by = shorter(self.held_by, schedule)
        else:
            self.failed += 1
            self.failed_by = shorter(self.failed_by, schedule)

    def merge(self, other: Verdicts) -> None:
        self.held += other.held
        self.failed += other.failed
        if other.held_by is not None:
            self.held_by = shorter(self.held_by, other.held_by)
        if other.failed_by is not None:
            self.failed_by = shorter(self.failed_by, other.failed_by)


@dataclass
class Level:
    """One pass of the search: every schedule with at most `bound` preemptions (None: any)."""

    bound: Optional[int]
    runs: int = 0
    pruned: int = 0              # runs stopped at a state already seen
    asleep: int = 0              # runs stopped where every option was asleep
    complete: bool = False       # its whole tree was searched
    cut: bool = False            # the bound kept some preemption from being offered


@dataclass
class Exploration:
    outcomes: dict[Outcome, Found] = field(default_factory=dict)
    verdicts: list[Verdicts] = field(default_factory=list)
    levels: list[Level] = field(default_factory=list)
    runs: int = 0
    pruned: int = 0
    seconds: float = 0.0
    stopped: str = ""            # why the search ended before covering everything ("" if it did not)
    sampled: int = 0             # random schedules run (--random)
    seed: int = 0

    def add(self, outcome: Outcome, schedule: str, verdicts: tuple) -> None:
        found = self.outcomes.get(outcome)
        if found is None:
            self.outcomes[outcome] = Found(schedule)
        else:
            found.runs += 1
            found.schedule = shorter(found.schedule, schedule)
        for v, ok in zip(self.verdicts, verdicts):
            v.add(ok, schedule)

    def merge(self, other: Exploration) -> None:
        for outcome, f in other.outcomes.items():
            mine = self.outcomes.get(outcome)
            if mine is None:
                self.outcomes[outcome] = Found(f.schedule, f.runs)
            else:
                mine.runs += f.runs
                mine.schedule = shorter(mine.schedule, f.schedule)
        for v, o in zip(self.verdicts, other.verdicts):
            v.merge(o)

    @property
    def complete(self) -> bool:
        """Every schedule the choice tree holds was covered (or pruned as a state already seen)."""
        return bool(self.levels) and self.levels[-1].complete and not self.levels[-1].cut

    def coverage(self) -> str:
        """Exactly what was covered, in one sentence."""
        n = len(self.outcomes)
        outs = f"{n:,} distinct outcome{'s' if n != 1 else ''}"
        if self.sampled:
            return f"{self.sampled:,} random schedules (seed {self.seed}): {self.runs:,} runs, {outs}; not exhaustive"
        if not self.levels:
            return f"nothing explored: {self.stopped}"
        last = self.levels[-1]
        done = [lv for lv in self.levels if lv.complete]
        if self.complete:
            return f"every schedule: {_runs(last)}, {outs}"
        parts = []
        if done:
            lv = done[-1]
            parts.append(f"all schedules with <= {lv.bound} preemption{'s' if lv.bound != 1 else ''}: {_runs(lv)}")
        if not last.complete:
            what = f"<= {last.bound} preemptions" if last.bound is not None else "any number of preemptions"
            parts.append(f"the first {last.runs:,} runs of the schedules with {what} (depth first), "
                         f"then {self.stopped}")
        return "; ".join(parts) + f"; {outs}"


def _runs(lv: Level) -> str:
    stops = [f"{n:,} {what}" for n, what in ((lv.pruned, "at a state already seen"),
                                              (lv.asleep, "where every option was covered")) if n]
    return f"{lv.runs:,} runs" + (f" ({', '.join(stops)})" if stops else "")
