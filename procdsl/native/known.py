"""Differences from Linux that procdsl makes on purpose: each a named simplification of docs/linux-fidelity.md."""

from __future__ import annotations

from typing import Optional

from procdsl import ir
from procdsl.plan import EventPlan


def known_difference(plan: EventPlan, programs: dict[str, ir.Program], key: tuple[str, str], ours: str,
                     theirs: str) -> Optional[str]:
    """The name of the simplification that explains this difference, or None for a real disagreement."""
    return None
