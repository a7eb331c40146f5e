"""Differences from Linux that procdsl makes on purpose: each a named simplification of docs/linux-fidelity.md.

A simplification names the language features that bring it into play; a difference in a
scenario that uses one of them is reported under that name instead of as a disagreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from procdsl import ir
from procdsl.cgen import reachable
from procdsl.cgen.types import walk
from procdsl.plan import EventPlan


@dataclass(frozen=True)
class Simplification:
    name: str
    uses: Callable[[EventPlan, dict[str, ir.Program]], bool]


def _statements(plan: EventPlan, programs: dict[str, ir.Program]):
    for name in reachable(plan, programs):
        yield from walk(programs[name].body)


def _sends_to_a_group(plan: EventPlan, programs: dict[str, ir.Program]) -> bool:
    """`send ... to 0` or to -N (N > 1): kill(2) of a process group."""
    for s in _statements(plan, programs):
        if isinstance(s, ir.Send):
            t = s.target
            if isinstance(t, ir.Lit) and t.value == 0:
                return True
            if isinstance(t, ir.Unary) and t.op == "neg" and isinstance(t.operand, ir.Lit) and t.operand.value != 1:
                return True
    return False


SIMPLIFICATIONS = (
    Simplification("no process groups: `send ... to 0` is EINVAL (linux-fidelity.md, Signals)", _sends_to_a_group),
)


def known_difference(plan: EventPlan, programs: dict[str, ir.Program], key: tuple[str, str], ours: str,
                     theirs: str) -> Optional[str]:
    """The name of the simplification that explains this difference, or None for a real disagreement."""
    for simplification in SIMPLIFICATIONS:
        if simplification.uses(plan, programs):
            return simplification.name
    return None
