"""Every way of looking at a run, by name: the trace formats and exports, and the terminal views.

`procdsl run` picks one with --format or --view; each is a function of the runs, so the
commands only write what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from procdsl.core.events import Trace
from procdsl.plan import EventPlan
from procdsl.trace.story import Story

FORMATS = ("text", "jsonl", "chrome", "ftrace", "timehist", "svg")
VIEWS = ("trace", "tree", "timeline", "maps")
ONE_SCENARIO = ("ftrace",)        # a document for one run only: its clock starts at 0


@dataclass(frozen=True)
class Run:
    plan: EventPlan
    trace: Trace
    seed: int
    number: int                   # the scenario's number in its file, from 1

    @property
    def title(self) -> str:
        return self.plan.title


def _text(runs: list[Run]) -> str:
    from procdsl.trace.text import format_text
    return "".join(f"# {r.title}\n" + "".join(line + "\n" for line in format_text(r.trace)) for r in runs)


def _jsonl(runs: list[Run]) -> str:
    from procdsl.trace.jsonl import format_jsonl, header
    out = []
    for r in runs:
        head = header(r.title, r.seed, r.plan.file, r.number, r.trace.cpus)
        out.extend(line + "\n" for line in format_jsonl(r.trace, head))
    return "".join(out)


def _chrome(runs: list[Run]) -> str:
    from procdsl.trace.chrome import ChromeTrace
    doc = ChromeTrace()
    for r in runs:
        doc.add(Story.of(r.trace), r.title)
    return doc.dumps() + "\n"


def _ftrace(runs: list[Run]) -> str:
    from procdsl.trace.ftrace import format_ftrace
    return "".join(line + "\n" for line in format_ftrace(runs[0].trace))


def _timehist(runs: list[Run]) -> str:
    from procdsl.trace.timehist import format_timehist
    return "".join(f"# {r.title}\n" + "".join(line + "\n" for line in format_timehist(r.trace)) for r in runs)


def _svg(runs: list[Run]) -> str:
    from procdsl.report.svg import document
    return document([(Story.of(r.trace), r.title) for r in runs])


RENDER: dict[str, Callable[[list[Run]], str]] = {
    "text": _text, "jsonl": _jsonl, "chrome": _chrome, "ftrace": _ftrace, "timehist": _timehist, "svg": _svg}


def render(fmt: str, runs: list[Run]) -> str:
    return RENDER[fmt](runs)


def view(name: str, runs: list[Run], width: int = 80, ascii: bool = False) -> str:
    """A terminal view of each run, titled: `tree` (after each change) or `timeline`."""
    from procdsl.report.timeline import timeline_lines
    from procdsl.report.tree import tree_view
    out = []
    for r in runs:
        if name == "maps":
            from procdsl.check.model import Model
            from procdsl.report.maps import maps_view
            out.append(f"# {r.title}\n" + "".join(line + "\n" for line in maps_view(Model(r.trace))))
            continue
        story = Story.of(r.trace)
        lines = tree_view(story, ascii) if name == "tree" else timeline_lines(story, width, ascii)
        out.append(f"# {r.title}\n" + "".join(line + "\n" for line in lines))
    return "\n".join(out)


def at_instant(name: str, runs: list[Run], at: Optional[int], ascii: bool = False) -> str:
    """`ps` or `pstree` at an instant (the end of each run when `at` is None), titled per run."""
    from procdsl.check.checker import PS_COLUMNS, ps_rows
    from procdsl.check.model import Model
    from procdsl.report.tree import pstree_lines
    from procdsl.trace.text import format_time
    out = []
    for r in runs:
        t = r.trace.end_time if at is None else at
        if name == "ps":
            rows = [tuple(row[c] for c in PS_COLUMNS) for row in ps_rows(Model(r.trace), t)]
            lines = table([PS_COLUMNS] + rows)
        else:
            lines = pstree_lines(Story.of(r.trace), t, ascii)
        when = "the end" if at is None or t >= r.trace.end_time else format_time(t).strip()
        out.append(f"# {r.title} (at {when})\n" + "".join(line + "\n" for line in lines))
    return "\n".join(out)


def table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
