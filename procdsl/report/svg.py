"""The timeline as SVG: a lane per CPU (who ran), a lane per process (its states), arrows, the tree's moments.

The same drawing is the static figure of `procdsl run --format svg` (slides, papers) and the
interactive one inside the HTML report: every element carries its times (`data-t0`,
`data-t1`) so the report's script can re-lay it out when zooming, and a `data-tip` with its
details. The number of elements is bounded (MAX_ITEMS, MAX_LANES); what is left out is said
in a note under the chart.
"""

from __future__ import annotations

from html import escape
from typing import Optional

from procdsl.ir.unparse import format_duration
from procdsl.trace.story import STATE_LETTER, Arrow, Proc, Story

MAX_ITEMS = 4000        # slices, states, arrows and marks drawn per scenario; later ones are left out
MAX_LANES = 60          # process lanes drawn per scenario
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#86bcb6", "#d37295", "#8cd17d")
GUTTER, RIGHT, LANE, GAP, TOP = 150, 30, 18, 4, 28     # px: label column, right margin, lanes
STATE_STYLE = {"ready": "#f3c98b", "sleeping": "#d9d9d9", "disk": "#a0a0a0", "stopped": "#e8a0a0",
               "zombie": "#555555"}


def color(p: Proc) -> str:
    return PALETTE[p.key % len(PALETTE)]


def esc(text: str) -> str:
    return escape(str(text), quote=True)


def _d(ns: int) -> str:
    return format_duration(int(ns))


class Layout:
    """Lanes top to bottom and the time → x mapping of one scenario's chart."""

    def __init__(self, story: Story, width: int, ident: str = "t") -> None:
        self.story = story
        self.ident = ident                        # prefix of the chart's ids: several charts share a page
        self.width = width
        self.end = max(story.end, 1)
        self.horizon = self.end                   # drawn up to here (MAX_ITEMS may bring it in)
        shown = [p for p in story.procs if not (p.pid == 1 and p.label == "init" and _never_ran(p))]
        self.procs = shown[:MAX_LANES]
        self.hidden_lanes = len(shown) - len(self.procs)
        self.outside = any(a.src is None and a.kind == "signal" for a in story.arrows)
        y = TOP
        self.cpu_y = []
        for _ in range(story.cpus):
            self.cpu_y.append(y)
            y += LANE + GAP
        y += 10
        self.outside_y = y if self.outside else None
        if self.outside:
            y += LANE + GAP
        self.proc_y = {}
        for p in self.procs:
            self.proc_y[p.key] = y
            y += LANE + GAP
        self.axis_y = y + 4
        self.height = y + 40

    def x(self, t: float) -> float:
        return round(GUTTER + (t / self.end) * (self.width - GUTTER - RIGHT), 2)

    def lane_of(self, p: Optional[Proc]) -> Optional[int]:
        if p is None:
            return self.outside_y
        return self.proc_y.get(p.key)


def _never_ran(p: Proc) -> bool:
    return all(s != "running" for _, s in p.states)


def _rect(lay: Layout, t0: int, t1: int, y: float, h: float, cls: str, fill: str, tip: str, extra: str = "") -> str:
    x0, x1 = lay.x(t0), lay.x(t1)
    return (f'<rect class="{cls}" x="{x0}" y="{y}" width="{max(x1 - x0, 0.5):.2f}" height="{h}" fill="{fill}" '
            f'data-t0="{t0}" data-t1="{t1}" data-tip="{esc(tip)}"{extra}><title>{esc(tip)}</title></rect>')


def _items(lay: Layout) -> list[tuple[int, str]]:
    """Every element as (start time, markup), before the MAX_ITEMS cut."""
    story = lay.story
    out: list[tuple[int, str]] = []
    for cpu in range(story.cpus):
        y = lay.cpu_y[cpu]
        for s in story.slices[cpu]:
            p = s.proc
            if s.switching:
                tip = f"cpu{cpu}: context switch to {p.name}({p.pid}) at {_d(s.start)} ({_d(s.end - s.start)})"
                out.append((s.start, _rect(lay, s.start, s.end, y, LANE, "switch", f"url(#{lay.ident}-hatch)", tip)))
            else:
                tip = f"cpu{cpu}: {p.name}({p.pid}) runs {p.at(p.cmds, s.start)} from {_d(s.start)} to {_d(s.end)} ({_d(s.end - s.start)})"
                out.append((s.start, _rect(lay, s.start, s.end, y, LANE, "slice", color(p), tip,
                                           f' data-proc="{p.key}"')))
    for p in lay.procs:
        y = lay.proc_y[p.key]
        for t0, t1, state in p.intervals(story.end):
            if state == "reaped":
                continue
            fill = color(p) if state == "running" else STATE_STYLE.get(state, "#ccc")
            inset = 0 if state in ("running", "ready") else 5
            tip = f"{p.name}({p.pid}) {state} ({STATE_LETTER.get(state, '?')}) from {_d(t0)} to {_d(t1)}"
            out.append((t0, _rect(lay, t0, t1, y + inset, LANE - 2 * inset, f"st st-{state}", fill, tip,
                                  f' data-proc="{p.key}"')))
    for c in story.changes:
        y = lay.proc_y.get(c.proc.key)
        if y is None:
            continue
        other = f" {c.other.name}({c.other.pid})" if c.other is not None and c.other is not c.proc else ""
        tip = f"{_d(c.time)}: {c.proc.name}({c.proc.pid}) {c.text}{other}"
        out.append((c.time, f'<circle class="mark mark-{c.kind}" cx="{lay.x(c.time)}" cy="{y + LANE / 2}" r="3.5" '
                            f'data-t0="{c.time}" data-tip="{esc(tip)}"><title>{esc(tip)}</title></circle>'))
    for t, p, kind, text in story.points:
        y = lay.proc_y.get(p.key) if p is not None else lay.axis_y - LANE / 2
        if y is None:
            continue
        tip = f"{_d(t)}: {p.name + '(' + str(p.pid) + ') ' if p is not None else ''}{kind}: {text}"
        out.append((t, f'<circle class="pt pt-{kind}" cx="{lay.x(t)}" cy="{y + 2.5 if p else y}" r="2.2" '
                       f'data-t0="{t}" data-tip="{esc(tip)}"><title>{esc(tip)}</title></circle>'))
    for a in story.arrows:
        markup = _arrow(lay, a)
        if markup:
            out.append((a.t0, markup))
    out.sort(key=lambda item: item[0])
    return out


def _arrow(lay: Layout, a: Arrow) -> str:
    if a.kind == "wake" and (a.src is None or a.t1 == a.t0):
        return ""                                 # timer wake-ups and unfinished ones: the states show them
    y0, y1 = lay.lane_of(a.src), lay.lane_of(a.dst)
    if y0 is None or y1 is None:
        return ""
    src = f"{a.src.name}({a.src.pid})" if a.src else "outside"
    dst = f"{a.dst.name}({a.dst.pid})" if a.dst else "nobody"
    tip = f"{a.kind}: {src} -> {dst}: {a.label} (sent {_d(a.t0)}, arrived {_d(a.t1)})"
    return (f'<line class="arrow arrow-{a.kind}" x1="{lay.x(a.t0)}" y1="{y0 + LANE / 2}" x2="{lay.x(a.t1)}" '
            f'y2="{y1 + LANE / 2}" data-t0="{a.t0}" data-t1="{a.t1}" marker-end="url(#{lay.ident}-head-{a.kind})" '
            f'data-tip="{esc(tip)}"><title>{esc(tip)}</title></line>')


def chart(story: Story, title: str = "", width: int = 1100, standalone: bool = True, ident: str = "t") -> str:
    """One scenario's chart: an <svg> element (a whole document when `standalone`)."""
    lay = Layout(story, width, ident)
    items = _items(lay)
    note = ""
    if len(items) > MAX_ITEMS:
        lay.horizon = items[MAX_ITEMS][0]
        note = (f"drawn up to {_d(lay.horizon)}: {len(items) - MAX_ITEMS} later element(s) left out "
                f"(at most {MAX_ITEMS} per scenario)")
        items = items[:MAX_ITEMS]
    if lay.hidden_lanes:
        note += ("; " if note else "") + f"{lay.hidden_lanes} more process(es) not drawn (at most {MAX_LANES} lanes)"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" id="{esc(ident)}" width="{width}" '
             f'height="{lay.height + (16 if note else 0)}" viewBox="0 0 {width} {lay.height + (16 if note else 0)}" '
             f'data-end="{lay.end}" data-gutter="{GUTTER}" data-right="{RIGHT}" font-family="sans-serif" font-size="11">',
             _defs(lay.ident), f'<rect x="0" y="0" width="{width}" height="{lay.height}" fill="white"/>']
    if title:
        parts.append(f'<text x="8" y="17" font-size="13" font-weight="bold">{esc(title)}</text>')
    parts += _labels(lay)
    parts.append(f'<clipPath id="{lay.ident}-clip"><rect x="{GUTTER}" y="0" width="{width - GUTTER - RIGHT}" '
                 f'height="{lay.height}"/></clipPath><g class="items" clip-path="url(#{lay.ident}-clip)">')
    parts += [markup for _, markup in items]
    parts.append("</g>")
    parts += _axis(lay)
    parts.append(f'<line class="cursor" x1="-10" x2="-10" y1="{TOP - 4}" y2="{lay.axis_y}" stroke="#d62728" '
                 f'stroke-width="1.5" visibility="hidden"/>')
    if note:
        parts.append(f'<text class="note" x="8" y="{lay.height + 8}" fill="#a33">{esc(note)}</text>')
    parts.append("</svg>")
    body = "\n".join(parts)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n" if standalone else body


def _defs(ident: str) -> str:
    heads = "".join(f'<marker id="{ident}-head-{k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
                    f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>'
                    for k, c in (("signal", "#d62728"), ("data", "#1f77b4"), ("wake", "#7f7f7f")))
    return (f'<defs><pattern id="{ident}-hatch" width="4" height="4" patternUnits="userSpaceOnUse">'
            '<rect width="4" height="4" fill="#eee"/><path d="M0,4 L4,0" stroke="#888" stroke-width="1"/></pattern>'
            f'{heads}<style>.arrow{{stroke-width:1.3}}.arrow-signal{{stroke:#d62728}}.arrow-data{{stroke:#1f77b4}}'
            '.arrow-wake{stroke:#9a9a9a;stroke-dasharray:3 2}.mark{fill:white;stroke:#222;stroke-width:1.2}'
            '.mark-exit{fill:#222}.mark-fork{fill:#ffd166}.mark-exec{fill:#06d6a0}.mark-reap{fill:#888}'
            '.lane-label{fill:#222}.lane-bg{fill:#f7f7f7}.pt{stroke:none;fill:#555}.pt-output{fill:#2a7}'
            '.pt-fail,.pt-fault,.pt-deadlock,.pt-limit{fill:#d62728}.pt-eof{fill:#1f77b4}.pt-level{fill:#9467bd}.pt-cache{fill:#ff7f0e}</style></defs>')


def _labels(lay: Layout) -> list[str]:
    out = []
    right = lay.width - RIGHT
    rows = [(y, f"cpu{i}", "#222") for i, y in enumerate(lay.cpu_y)]
    if lay.outside_y is not None:
        rows.append((lay.outside_y, "outside", "#666"))
    rows += [(lay.proc_y[p.key], f"{p.name}({p.pid})", color(p)) for p in lay.procs]
    for y, text, fill in rows:
        out.append(f'<rect class="lane-bg" x="{GUTTER}" y="{y}" width="{right - GUTTER}" height="{LANE}"/>')
        out.append(f'<rect x="4" y="{y + 4}" width="10" height="10" fill="{fill}"/>'
                   f'<text class="lane-label" x="18" y="{y + 13}">{esc(text[:22])}</text>')
    return out


def ticks(end: int, count: int = 8) -> list[int]:
    raw = max(end / count, 1)
    step = 1
    while step * 10 <= raw:
        step *= 10
    for m in (1, 2, 5, 10):
        if step * m >= raw:
            step *= m
            break
    return list(range(0, end + 1, step))


def _axis(lay: Layout) -> list[str]:
    y = lay.axis_y
    out = [f'<g class="axis"><line x1="{GUTTER}" x2="{lay.width - RIGHT}" y1="{y}" y2="{y}" stroke="#444"/>']
    for t in ticks(lay.end):
        x = lay.x(t)
        out.append(f'<line x1="{x}" x2="{x}" y1="{y}" y2="{y + 5}" stroke="#444"/>'
                   f'<text x="{x}" y="{y + 17}" text-anchor="middle">{esc(_d(t))}</text>')
    out.append("</g>")
    return out


def document(charts: list[tuple[Story, str]], width: int = 1100) -> str:
    """Several scenarios' charts stacked in one SVG document."""
    if len(charts) == 1:
        return chart(charts[0][0], charts[0][1], width)
    inner, y = [], 0
    for i, (story, title) in enumerate(charts):
        svg = chart(story, title, width, standalone=False, ident=f"t{i + 1}")
        height = int(svg.split('height="', 1)[1].split('"', 1)[0])
        inner.append(f'<g transform="translate(0,{y})">{svg}</g>')
        y += height + 10
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y}" viewBox="0 0 {width} {y}">\n'
            + "\n".join(inner) + "\n</svg>\n")
