"""The memory map views: `procdsl pmap FILE PROC --at T` and `procdsl run FILE --view maps`, read off the events."""

from __future__ import annotations

from typing import Optional

from procdsl.check.model import Model
from procdsl.trace.maps import pmap_lines
from procdsl.trace.text import format_time


def _when(model: Model, p, t: int) -> int:
    """A process's map is read just before its exit (a zombie has none), else at t."""
    if p.exit_time is not None and p.exit_time <= t:
        return max(p.created, p.exit_time - 1)
    return t


def pmap_of(model: Model, label: str, t: int) -> Optional[list[str]]:
    """pmap -x of the process named `label` (its name in the run: `child`, `worker[1]`) at t."""
    for p in model.procs:
        if p.name == label and model.exists(p, t):
            when = _when(model, p, t)
            regions = model.maps.shown(p, when)
            return pmap_lines(f"{p.pid}:   {p.cmd.at(when)}   ({p.name}, at {format_time(when).strip()})", regions)
    return None


def maps_view(model: Model) -> list[str]:
    """Every process's map as it last was: at its exit, or at the end of the run."""
    out: list[str] = []
    for p in model.procs:
        if p.label == "init" and p.pid == 1 and p.cmd.values[0] == "init":
            continue                     # the built-in init maps nothing of the scenario's
        when = _when(model, p, model.end)
        out.extend(pmap_lines(f"{p.pid}:   {p.cmd.at(when)}   ({p.name}, at {format_time(when).strip()})",
                              model.maps.shown(p, when)))
        out.append("")
    return out
