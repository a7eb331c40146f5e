"""Expectations checked as the kernel runs: the checker's model fed each event as it is emitted, no trace kept.

A passing `check` needs no trace: every expectation is answered from the model (section 4 of
docs/design.md: the model learns the run from events alone, whether they come from a recorded
trace or straight from `k.emit`). What only a recorded trace can answer (an explanation of a
failure, a `trace { }` block, the note of a run stopped at a limit) raises TraceWanted when it
reaches for the records; the run is deterministic, so the caller runs it again with the trace
kept and checks that, exactly as before.
"""

from __future__ import annotations

from dataclasses import replace

from procdsl.check.checker import Checker, ScenarioResult
from procdsl.check.model import Model
from procdsl.check.unfed import TraceWanted
from procdsl.core.events import Trace
from procdsl.plan import EventPlan

__all__ = ["Feed", "TraceWanted", "UNRECORDED", "checked_live"]


class Unrecorded:
    """The events of a run that kept none: any look at them asks for a recorded run."""

    __slots__ = ()

    def _wanted(self, *_args):
        raise TraceWanted

    __iter__ = __len__ = __getitem__ = __reversed__ = __bool__ = __contains__ = _wanted


UNRECORDED = Unrecorded()


class Feed:
    """Stands where the kernel appends its records (`k.events`, plain tuples): each one goes to the model instead,
    except the kinds in `unheard`, which the model does nothing with (the kernel's `unheard`)."""

    __slots__ = ("append", "unheard")

    def __init__(self, model: Model) -> None:
        self.append = model.feed
        self.unheard = model.unheard()


def checked_live(plan: EventPlan, model: Model, trace: Trace) -> ScenarioResult | None:
    """The result of a run fed to `model` as it ran, if it passed; None when it must be run again recorded."""
    trace.events = UNRECORDED
    model.close(trace)
    try:
        result = Checker(plan, trace, model).check()
    except TraceWanted:
        return None
    if not result.passed:
        return None             # its explanations quote trace records: they come from the recorded run
    return replace(result, trace=None)
