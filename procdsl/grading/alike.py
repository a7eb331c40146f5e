"""One runaway run for every scenario of a submission that is the same run up to where it stopped.

A fork bomb or a loop that never blocks stops each of the tests' scenarios at the same limit,
long before the scenarios differ: they start the same programs on the same machine and
differ only in what they send later (`at 10ms send SIGTERM to supervisor`) and in `until`.
The kernel is a discrete-event machine run in time order, so what happened up to the stop at
time T could not depend on an event due after T, nor on an end after T: such a scenario's run
would be the same run, record for record, and it is checked on that run's trace instead of
being simulated again (`tests/grading/test_alike.py` runs each one on its own to show that the
results are the same). Only a run stopped by a limit counts: a run that ended at `until`,
finished or deadlocked says nothing about a scenario whose signal comes later. The `run`
lines may stand on different lines of the tests: a line of a `run` reaches the trace only in
the message of a program fault at the start, and a fault would have ended the run instead.
"""

from __future__ import annotations

from typing import Optional

from procdsl.check.checker import ScenarioResult, check
from procdsl.plan import EventPlan

# What two scenarios may differ in: their names and expectations, which the checker reads from
# the plan; their outside signals, and their end, when each is due after the stop; where their
# `run` lines are.
_CHECKED_ONLY = {"title", "span", "expectations"}
_DUE_LATER = {"signals", "until"}
_PLACED = {"starts"}


class Stopped:
    """A run that stopped at a limit, with its trace, and the plan and seed it ran."""

    __slots__ = ("plan", "seed", "result")

    def __init__(self, plan: EventPlan, seed: Optional[int], result: ScenarioResult) -> None:
        self.plan, self.seed, self.result = plan, seed, result

    def covers(self, plan: EventPlan, seed: Optional[int]) -> bool:
        """`plan` run with `seed` would be this run up to its stop, and stop there."""
        if seed != self.seed:
            return False
        mine = self.plan
        stop = self.result.end_time
        for name in type(plan).model_fields:
            if name not in _CHECKED_ONLY | _DUE_LATER | _PLACED and getattr(plan, name) != getattr(mine, name):
                return False
        return (_unplaced(plan.starts) == _unplaced(mine.starts) and _end(plan) > stop and _end(mine) > stop
                and [s for s in plan.signals if s.time <= stop] == [s for s in mine.signals if s.time <= stop])

    def check(self, plan: EventPlan) -> ScenarioResult:
        return check(plan, self.result.trace)


def _unplaced(starts: tuple) -> list:
    return [{name: getattr(s, name) for name in type(s).model_fields if name != "span"} for s in starts]


def _end(plan: EventPlan) -> int:
    return plan.until if plan.until is not None else plan.machine.limits.max_time


def stopped_for_good(result: ScenarioResult) -> bool:
    """The run stopped at a limit, before its end: nothing due later could have changed it."""
    return result.trace is not None and result.end_reason.startswith("limit")
