"""Each process's memory map as the events tell it: regions, sizes and resident pages at any instant.

An observer like model.Model (docs/design.md, section 4). A process starts from its program's
image (core/memmap.py), which needs no event; a fork hands the parent's map on, an exec
starts again from the new image, and `mmap`, `munmap`, `brk`, `stack` and `resident` change
it. Only processes whose map ever changed keep a history; the others are read off their
program (their `cmd` at the instant), so a run that never maps anything pays nothing here.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from procdsl.check.history import History
from procdsl.core.memmap import HEAP, PAGE, STACK, image

ProcInfo = Any        # check.model.ProcInfo (which imports this module)
Region = tuple        # (start, pages, resident, perms, name)

_IMAGES: dict[str, tuple] = {}


def program_image(program: str) -> tuple:
    hit = _IMAGES.get(program)
    if hit is None:
        hit = _IMAGES[program] = tuple(tuple(r) for r in image(program))
    return hit


class MapModel:
    def __init__(self, model) -> None:
        self.model = model
        self.maps: dict[ProcInfo, History] = {}       # process -> its regions (a tuple), once they changed
        self.faults: dict[ProcInfo, list[tuple[int, int, str]]] = {}     # (time, address, why)
        self.handlers: dict[str, Callable] = {kind: getattr(self, "_on_" + kind) for kind in (
            "fork", "exec", "mmap", "munmap", "brk", "stack", "resident", "segv")}

    def regions_at(self, p: ProcInfo, t: int) -> tuple:
        h = self.maps.get(p)
        value = h.at(t) if h is not None else None
        return value if value is not None else program_image(p.cmd.at(t) or p.cmd.values[0])

    # ------------------------------------------------------------------ the observer
    def _change(self, p: ProcInfo, t: int, regions: tuple) -> None:
        h = self.maps.get(p)
        if h is None:
            self.maps[p] = History(t, regions)
        else:
            h.set(t, regions)

    def _current(self, p: ProcInfo, t: int) -> list:
        return list(self.regions_at(p, t))

    def _on_fork(self, ev, _p, _i: int) -> None:
        parent = self.model.proc(ev.pid)
        h = self.maps.get(parent)
        if h is not None:
            child = self.model.proc(ev.detail[0])
            self.maps[child] = History(ev.time, h.values[-1])

    def _on_exec(self, ev, p, _i: int) -> None:
        if p in self.maps:
            self._change(p, ev.time, program_image(ev.detail[0]))

    def _on_mmap(self, ev, p, _i: int) -> None:
        addr, pages, perms, name = ev.detail
        regions = self._current(p, ev.time)
        regions.append((addr, pages, 0, perms, name))
        regions.sort()
        self._change(p, ev.time, tuple(regions))

    def _on_munmap(self, ev, p, _i: int) -> None:
        addr = ev.detail[0]
        self._change(p, ev.time, tuple(r for r in self._current(p, ev.time) if r[0] != addr))

    def _replace(self, p: ProcInfo, t: int, match: Callable, update: Callable) -> None:
        self._change(p, t, tuple(update(r) if match(r) else r for r in self._current(p, t)))

    def _on_brk(self, ev, p, _i: int) -> None:
        pages = ev.detail[1]
        self._replace(p, ev.time, lambda r: r[4] == HEAP, lambda r: (r[0], pages, min(r[2], pages), r[3], r[4]))

    def _on_stack(self, ev, p, _i: int) -> None:
        addr, pages, resident = ev.detail
        self._replace(p, ev.time, lambda r: r[4] == STACK, lambda r: (addr, pages, resident, r[3], r[4]))

    def _on_resident(self, ev, p, _i: int) -> None:
        addr, n = ev.detail
        self._replace(p, ev.time, lambda r: r[0] == addr, lambda r: (r[0], r[1], n, r[3], r[4]))

    def _on_segv(self, ev, p, _i: int) -> None:
        self.faults.setdefault(p, []).append((ev.time, ev.detail[0], ev.detail[1]))

    # ------------------------------------------------------------------ questions
    def shown(self, p: ProcInfo, t: int) -> tuple:
        """The regions /proc/PID/maps lists: an empty heap is not shown."""
        return tuple(r for r in self.regions_at(p, t) if r[1])

    def rss(self, p: ProcInfo, t: int) -> int:
        return sum(r[2] for r in self.regions_at(p, t)) * PAGE

    def vsz(self, p: ProcInfo, t: int) -> int:
        return sum(r[1] for r in self.regions_at(p, t)) * PAGE

    def fault_address(self, p: ProcInfo, t: int) -> Optional[int]:
        """The address of its last bad access at or before t (a `segv`), or None."""
        faults = [addr for when, addr, _ in self.faults.get(p, ()) if when <= t]
        return faults[-1] if faults else None


def region_name(r: Region) -> str:
    return r[4] or "[anon]"


def _alive(env, p) -> Optional[bool]:
    return p.exit_time is None or p.exit_time > env.t        # a zombie from its exit on, then reaped


def _when_alive(query: Callable) -> Callable:
    """A zombie has no memory left (exit_mm): its sizes are 0 and it has no regions, as ps shows."""
    def q(env, p):
        return query(env, p) if _alive(env, p) else (() if query is QUERIES_RAW["regions"] else 0)
    return q


QUERIES_RAW: dict[str, Callable] = {
    "rss": lambda env, p: env.model.maps.rss(p, env.t),
    "vsz": lambda env, p: env.model.maps.vsz(p, env.t),
    "regions": lambda env, p: tuple(region_name(r) for r in env.model.maps.shown(p, env.t)),
}
QUERIES = {name: _when_alive(q) for name, q in QUERIES_RAW.items()}
QUERIES["fault_address"] = lambda env, p: env.model.maps.fault_address(p, env.t)     # a zombie keeps its answer
