"""How far an exploration may go: kept apart from the explorer, so a command that only passes
bounds along (`check` of a file with no expectation over schedules) does not import the explorer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

MAX_RUNS = 20_000          # schedules one exploration runs, unless told otherwise
MAX_SECONDS = 30.0


@dataclass(frozen=True)
class Bounds:
    max_runs: int = MAX_RUNS
    max_seconds: float = MAX_SECONDS
    # Wall-clock seconds as well, for a caller that is itself killed by the wall clock (a grading
    # worker under --timeout): it then stops in time to report what it covered. None: CPU time only.
    max_wall_seconds: Optional[float] = None
    preemptions: Optional[int] = None       # None: deepen until every schedule is covered
    hashing: Optional[bool] = None           # None: on where sleep sets cannot be used
    reduction: bool = True                   # sleep sets (explore/reduce.py)
    random: int = 0                          # > 0: that many seeded random schedules instead
    seed: int = 0
    jobs: int = 1
