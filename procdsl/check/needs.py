"""What a scenario's expectations read, so that a model fed live follows only that (check/model.py facets).

A name missed here costs time, never a wrong answer: a model asked for a facet it was not fed
raises TraceWanted, and the run is checked again from its recorded trace by a full model."""

from __future__ import annotations

from typing import Any, Iterator

from procdsl import ir
from procdsl.check import creds, energy, maps
from procdsl.check.model import ALL, INSTANTS, REAPS, TIMELINE
from procdsl.check.sockets import SOCKET_QUERIES
from procdsl.plan import EventPlan

# every function or name of an expectation that reads more than each process's life
FACET_OF: dict[str, str] = {
    **dict.fromkeys(("state", "stopped_by", "cpu_time", "switches", "voluntary_switches", "involuntary_switches",
                     "response_time", "wait_time", "max_delay", "migrations", "level", "run", "utilization",
                     "idle_time", "warm_fraction", "io_busy"), TIMELINE),
    **dict.fromkeys(("zombies", "reaper", "reap"), REAPS),
    **dict.fromkeys(("file", "exists", "size", "offset"), "files"),
    **dict.fromkeys(SOCKET_QUERIES, "sockets"),
    **dict.fromkeys(("pgid", "sid", "screen", "foreground"), "jobs"),
    **dict.fromkeys((*creds.PROC_QUERIES, "env"), "creds"),
    **dict.fromkeys(maps.QUERIES, "maps"),
    **dict.fromkeys(energy.QUERIES, "energy"),
}
WHOLE = ("ps", "trace")           # a ps table reads every column's model; a trace block, the records


def facets(plan: EventPlan) -> frozenset:
    """The facets of the model that the expectations of `plan` read."""
    wanted: set[str] = set()
    for exp in plan.expectations:
        for node in _walk(exp.assertion):
            kind = getattr(node, "kind", None)
            if kind in WHOLE:
                return ALL
            if kind in ("always", "never"):
                wanted.add(INSTANTS)
            elif isinstance(node, ir.Call):
                wanted.add(FACET_OF.get(node.func, ""))
            elif isinstance(node, ir.Name):
                wanted.add(FACET_OF.get(node.id, ""))
    wanted.discard("")
    return frozenset(wanted)


def _walk(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Node):
            yield node
            stack.extend(getattr(node, name) for name in type(node).model_fields)
        elif isinstance(node, tuple):
            stack.extend(node)
