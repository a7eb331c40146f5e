"""Fork trees (OSTEP ch. 5): who forks whom, what prints, who is a zombie or an orphan at an instant.

The tree is drawn as in the book's fork.py: a root `a`, then labelled children b, c, ...
under parents drawn among the processes so far; some of them copy themselves with bare
forks, some exit early and leave zombies and orphans behind. Every action gets its own
millisecond, so the order of events (and of PIDs) follows from the sleeps alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from heapq import heappop, heappush

from procdsl.quiz.draw import Draw
from procdsl.quiz.exercise import Exercise, Question

NAMES = ("b", "c", "d", "e", "f", "g")


@dataclass
class Proc:
    label: str
    children: list[Proc] = field(default_factory=list)
    copies: int = 0             # `repeat N { fork }` after its own forks: 2^N processes print and end alike
    early_exit: bool = False    # exits right after printing; otherwise stays to the end
    slots: list[int] = field(default_factory=list)    # the millisecond of each action, filled in later


def _draw_tree(draw: Draw) -> Proc:
    root = Proc("a")
    procs = [root]
    for name in NAMES[:draw.int(3, 5)]:
        parent = draw.pick([p for p in procs if len(p.children) < 2 and _depth(root, p) < 3])
        child = Proc(name)
        parent.children.append(child)
        procs.append(child)
    for p in draw.distinct(draw.int(1, 2), procs[1:]):
        p.copies = draw.int(1, 2) if not p.children else 1
    for p in procs[1:]:
        p.early_exit = draw.chance(40)
    return root


def _depth(root: Proc, target: Proc, d: int = 0) -> int:
    if root is target:
        return d
    return max((_depth(c, target, d + 1) for c in root.children), default=-1)


def _actions(p: Proc) -> list[tuple[str, object]]:
    acts: list[tuple[str, object]] = [("fork", c) for c in p.children]
    if p.copies:
        acts.append(("copies", p.copies))
    acts.append(("print", p.label))
    return acts


def _schedule(root: Proc) -> int:
    """Give every action a millisecond of its own, in the order the processes can reach them."""
    used: set[int] = set()
    heap: list[tuple[int, int, int, Proc]] = []
    order = 0
    heappush(heap, (1, order, 0, root))
    last = 0
    while heap:
        ready, _, i, p = heappop(heap)
        slot = ready
        while slot in used:
            slot += 1
        used.add(slot)
        p.slots.append(slot)
        last = max(last, slot)
        acts = _actions(p)
        kind, what = acts[i]
        if kind == "fork":
            order += 1
            heappush(heap, (slot + 1, order, 0, what))
        if i + 1 < len(acts):
            order += 1
            heappush(heap, (slot + 1, order, i + 1, p))
    return last


def _code(p: Proc, start: int, end: int, indent: str) -> list[str]:
    lines = []
    now = start
    for (kind, what), slot in zip(_actions(p), p.slots):
        lines.append(f"{indent}sleep {slot - now}ms")
        now = slot
        if kind == "fork":
            assert isinstance(what, Proc)
            lines.append(f"{indent}fork {what.label} {{")
            lines += _code(what, slot, end, indent + "  ")
            lines.append(f"{indent}}}")
        elif kind == "copies":
            lines.append(f"{indent}repeat {what} {{ fork }}")
        else:
            lines.append(f'{indent}print "{what}"')
    if p.early_exit:
        lines.append(f"{indent}exit 0")
    else:
        lines.append(f"{indent}sleep {end - now}ms")
    return lines


def _labels_with_copies(p: Proc) -> list[Proc]:
    found = [p] if p.copies else []
    for c in p.children:
        found += _labels_with_copies(c)
    return found


def generate(draw: Draw, seed: int) -> Exercise:
    root = _draw_tree(draw)
    subreaper = draw.chance(40)
    last = _schedule(root)
    t = last + 1
    end = t + 4
    body = ["  program a {"]
    if subreaper:
        body.append("    subreaper")
    body += _code(root, 0, end, "    ")
    body += ["  }", "  run a"]
    copied = draw.pick(_labels_with_copies(root))
    questions = (
        Question(f"How many processes carry the label {copied.label} (the bare forks copy it)?",
                 f"count({copied.label})"),
        Question("What does the run print? (Write the whole output as a string: \"a\\nb\\n\" ...)", "output"),
        Question(f"The process tree at {t}ms: one row per process that exists then, zombies included.",
                 at=f"{t}ms", table=("PID", "PPID", "STAT", "LABEL")),
        Question(f"How many zombies are there at {t}ms?", "zombies", at=f"{t}ms"),
    )
    intro = (
        "Read program a: each `fork X { }` starts a child labelled X that runs the block, and",
        "`repeat N { fork }` doubles the process N times over (2^N processes in all, every copy",
        "with its label, each going on with the code after the loop). On one CPU the parent goes",
        "on first after a fork.",
        "A process that exits becomes a zombie until its parent waits for it; nobody here waits.",
        ("Process a is a subreaper: orphans are re-parented to it." if subreaper else
         "Orphans are re-parented to init (PID 1), which reaps them as they exit."),
    )
    return Exercise("fork", seed, "a fork tree with orphans and zombies", "OSTEP ch. 5, Interlude: Process API "
                    "(fork and wait; the fork.py homework)", intro, tuple(body), questions)
