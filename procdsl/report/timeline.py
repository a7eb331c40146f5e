"""The run as a terminal Gantt chart: one line per CPU (who ran), one per process (its state), a time axis.

Each column stands for the same stretch of time; a cell shows what took most of it. The
width is the terminal's (or `width`), so a chart always fits; `ascii` keeps to 7-bit text.
"""

from __future__ import annotations

from typing import Iterable, Optional

from procdsl.ir.unparse import format_duration
from procdsl.trace.story import Proc, Story

SYMBOLS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# state -> cell, (unicode, ascii)
STATE_CELLS = {"running": ("█", "#"), "ready": ("▒", "-"), "sleeping": ("·", "."), "disk": ("▪", ":"),
               "stopped": ("T", "T"), "zombie": ("z", "z"), "reaped": (" ", " ")}
IDLE_CELL = ("·", ".")
SWITCH_CELL = ("░", "~")
MIN_COLUMNS = 10
MAX_PROCESS_LINES = 40          # more processes than this: the first ones, and a note of how many are left out


def symbol(p: Proc) -> str:
    return SYMBOLS[p.key % len(SYMBOLS)]


def _cells(spans: Iterable[tuple[int, int, str]], t0: int, step: float, cols: int, empty: str,
           rank: dict[str, int]) -> str:
    """Each column stands for [t0 + i*step, t0 + (i+1)*step) and shows, of what touched it, the value
    ranked first (a run beats idle, however short), then the one covering most of it."""
    best: list[tuple[int, float, str]] = [(-1, 0.0, empty)] * cols
    for start, end, value in spans:
        if end <= start:
            end = start + 1             # an instant still shows in its column
        first = max(0, int((start - t0) // step))
        last = min(cols - 1, int((end - 1 - t0) // step))
        r = rank.get(value, 1)          # unranked: a process, above idle (-1) and a switch (0)
        for i in range(first, last + 1):
            lo, hi = t0 + i * step, t0 + (i + 1) * step
            key = (r, min(end, hi) - max(start, lo))
            if key > best[i][:2]:
                best[i] = (*key, value)
    return "".join(v for _, _, v in best)


def timeline_lines(story: Story, width: int = 80, ascii: bool = False, procs: bool = True,
                   start: int = 0, end: Optional[int] = None) -> list[str]:
    k = 1 if ascii else 0
    end = story.end if end is None else end
    span = max(end - start, 1)
    names = [f"cpu{c}" for c in range(story.cpus)]
    shown = [p for p in story.procs if any(s != "sleeping" for _, _, s in p.intervals(end))] if procs else []
    gutter = max([len(n) for n in names] + [min(len(p.name), 14) + 2 for p in shown] + [4]) + 1
    cols = max(MIN_COLUMNS, width - gutter - 1)
    step = span / cols
    out = []
    for cpu in range(story.cpus):
        spans = [(s.start, s.end, SWITCH_CELL[k] if s.switching else symbol(s.proc)) for s in story.slices[cpu]]
        out.append(f"{names[cpu]:<{gutter}}|{_cells(spans, start, step, cols, IDLE_CELL[k], {SWITCH_CELL[k]: 0})}")
    # in a column a process both ran and slept in, the run shows; a sleep shows only alone
    rank = {STATE_CELLS[s][k]: r for r, s in enumerate(("sleeping", "zombie", "stopped", "disk", "ready", "running"))}
    hidden = len(shown) - MAX_PROCESS_LINES
    shown = shown[:MAX_PROCESS_LINES]
    if shown:
        out.append("")
        for p in shown:
            spans = [(a, b, STATE_CELLS.get(s, ("?", "?"))[k]) for a, b, s in p.intervals(end)]
            out.append(f"{symbol(p)} {p.name[:14]:<{gutter - 2}}|{_cells(spans, start, step, cols, ' ', rank)}".rstrip())
    if hidden > 0:
        out.append(f"{'':<{gutter}} ... {hidden} more not shown")
    out.extend(_axis(start, end, gutter, cols))
    ran = [p for p in story.procs if _ran(story, p)]
    legend = [f"{symbol(p)}={p.name}({p.pid})" for p in ran[:MAX_PROCESS_LINES]]
    if len(ran) > MAX_PROCESS_LINES:
        legend.append(f"... and {len(ran) - MAX_PROCESS_LINES} more")
    keys = [f"{IDLE_CELL[k]} idle", f"{SWITCH_CELL[k]} switch"] + [
        f"{STATE_CELLS[s][k]} {s}" for s in ("running", "ready", "sleeping", "disk", "stopped", "zombie")]
    for line in _wrap(legend or ["(no process ran)"], cols) + _wrap(keys, cols):
        out.append(f"{'':<{gutter}} {line}")
    return out


def _wrap(items: list[str], width: int) -> list[str]:
    """Items two spaces apart, on as few lines of at most `width` as they fit."""
    lines = [""]
    for item in items:
        if lines[-1] and len(lines[-1]) + 2 + len(item) > width:
            lines.append("")
        lines[-1] += ("  " if lines[-1] else "") + item
    return lines


def _ran(story: Story, p: Proc) -> bool:
    return any(s == "running" for _, s in p.states)


def _axis(start: int, end: int, gutter: int, cols: int) -> list[str]:
    """Ticks at round times, labelled where the labels do not collide."""
    span = max(end - start, 1)
    tick = nice_step(span / max(1, cols // 12))
    marks = ["-"] * cols
    labels = [" "] * cols
    t = -(-start // tick) * tick
    last_label = -2
    while t <= end:
        i = min(cols - 1, int((t - start) * cols / span))
        marks[i] = "+"
        text = format_duration(int(t))
        at = min(i, cols - len(text))               # the last label ends at the chart edge
        if at > last_label + 1:
            labels[at:at + len(text)] = text
            last_label = at + len(text)
        t += tick
    return [f"{'':<{gutter}} {''.join(marks)}", f"{'':<{gutter}} {''.join(labels).rstrip()}"]


def nice_step(raw: float) -> int:
    """The smallest of 1, 2, 5 × 10^n nanoseconds not below `raw`."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m >= raw:
                return step * m
        step *= 10
