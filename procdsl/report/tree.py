"""The process tree as text: at one instant (pstree's shape) or after every change (OSTEP fork.py -t's)."""

from __future__ import annotations

from typing import Optional

from procdsl.trace.story import Change, Proc, Story
from procdsl.trace.text import format_time

MAX_CHANGES = 200           # `--view tree` draws at most this many trees, then says how many it left out
MAX_TREE_LINES = 300        # and each of them with at most this many processes

UNICODE = {"only": "───", "first": "─┬─", "mid": " ├─", "last": " └─", "bar": " │ ", "space": "   "}
ASCII = {"only": "---", "first": "-+-", "mid": " |-", "last": " `-", "bar": " | ", "space": "   "}


def children_at(story: Story, t: int) -> tuple[list[Proc], dict[int, list[Proc]]]:
    """The roots and each process's children (by key) among the processes that exist at t."""
    alive = story.alive(t)
    keys = {p.key for p in alive}
    kids: dict[int, list[Proc]] = {}
    roots = []
    for p in alive:
        parent = story.parent(p, t)
        if parent is not None and parent.key in keys and parent is not p:
            kids.setdefault(parent.key, []).append(p)
        else:
            roots.append(p)
    return roots, kids


def node_text(p: Proc, t: int) -> str:
    state = p.at(p.states, t)
    cmd = p.at(p.cmds, t)
    text = f"{p.name}({p.pid})"
    if cmd != p.label:
        text += f" {{{cmd}}}"
    if state == "zombie":
        text += " <defunct>"
    return text


def pstree_lines(story: Story, t: int, ascii: bool = False) -> list[str]:
    """pstree -p: `init(1)─┬─a(2)───b(4)` / `        └─c(3)`; a program other than the label in braces."""
    g = ASCII if ascii else UNICODE
    roots, kids = children_at(story, t)

    def draw(p: Proc, depth: int) -> list[str]:
        head = node_text(p, t)
        below = kids.get(p.key, [])
        if not below or depth > 200:
            return [head]
        pad = " " * len(head)
        if len(below) == 1:
            sub = draw(below[0], depth + 1)
            return [head + g["only"] + sub[0]] + [pad + g["space"] + line for line in sub[1:]]
        out = []
        for i, child in enumerate(below):
            sub = draw(child, depth + 1)
            last = i == len(below) - 1
            joint = g["first"] if i == 0 else g["last"] if last else g["mid"]
            out.append((head if i == 0 else pad) + joint + sub[0])
            out.extend(pad + (g["space"] if last else g["bar"]) + line for line in sub[1:])
        return out

    lines: list[str] = []
    for root in roots:
        lines.extend(draw(root, 0))
    return lines


def fancy_lines(roots: list[Proc], kids: dict[int, list[Proc]], label, ascii: bool = False) -> list[str]:
    """OSTEP fork.py's tree: the root bare, each child under it with `├── ` / `└── `."""
    mid, last, bar = ("|-- ", "`-- ", "|   ") if ascii else ("├── ", "└── ", "│   ")
    lines: list[str] = []

    def draw(p: Proc, prefix: str, joint: str, more: str, depth: int) -> None:
        lines.append(f"{prefix}{joint}{label(p)}")
        below = kids.get(p.key, [])
        if depth > 200:
            return
        for i, child in enumerate(below):
            end = i == len(below) - 1
            draw(child, prefix + more, last if end else mid, "    " if end else bar, depth + 1)

    for root in roots:
        draw(root, "", "", "", 0)
    return lines


class TreeReplay:
    """The tree rebuilt change by change (not instant by instant), so each action gets its own tree."""

    def __init__(self) -> None:
        self.parent: dict[int, Optional[Proc]] = {}       # key -> parent
        self.procs: dict[int, Proc] = {}                  # key -> process, in creation order
        self.cmd: dict[int, str] = {}
        self.zombie: set[int] = set()
        self.by_pid: dict[int, Proc] = {}

    def apply(self, c: Change) -> None:
        p, o = c.proc, c.other
        if c.kind == "spawn":
            self._add(p, self.by_pid.get(p.ppids[0][1]))
        elif c.kind == "fork":
            self._add(o, p)
        elif c.kind == "exec":
            self.cmd[p.key] = c.text[5:]
        elif c.kind == "exit":
            self.zombie.add(p.key)
        elif c.kind == "reparent":
            self.parent[p.key] = o
        elif c.kind == "reap" and o.key in self.procs:
            del self.procs[o.key]
            if self.by_pid.get(o.pid) is o:
                del self.by_pid[o.pid]

    def _add(self, p: Proc, parent: Optional[Proc]) -> None:
        self.procs[p.key] = p
        self.parent[p.key] = parent
        self.cmd[p.key] = p.cmds[0][1]
        self.by_pid[p.pid] = p

    def label(self, p: Proc) -> str:
        cmd = self.cmd[p.key]
        text = f"{p.name}({p.pid})" + (f" {{{cmd}}}" if cmd != p.label else "")
        return text + (" <defunct>" if p.key in self.zombie else "")

    def lines(self, ascii: bool, limit: int = MAX_TREE_LINES) -> list[str]:
        kids: dict[int, list[Proc]] = {}
        roots = []
        for p in self.procs.values():
            parent = self.parent[p.key]
            if parent is not None and parent.key in self.procs:
                kids.setdefault(parent.key, []).append(p)
            else:
                roots.append(p)
        lines = fancy_lines(roots, kids, self.label, ascii)
        if len(lines) > limit:
            lines = lines[:limit] + [f"... {len(lines) - limit} more process(es) not shown (at most {limit})"]
        return lines


def action_text(story: Story, c: Change) -> str:
    p, o = c.proc, c.other
    if c.kind == "fork":
        return f"{p.name} forks {o.name}({o.pid})"
    if c.kind == "spawn":
        return f"{p.name}({p.pid}) starts ({c.text})"
    if c.kind == "exec":
        return f"{p.name} execs {c.text[5:]}"
    if c.kind == "exit":
        return f"{p.name} EXITS ({c.text})"
    if c.kind == "reparent":
        return f"{p.name} is re-parented to {story.name(o)}"
    return f"{p.name} reaps {o.name}"


def tree_view(story: Story, ascii: bool = False, limit: int = MAX_CHANGES) -> list[str]:
    """`--view tree`: the tree after each change of it, the change named as fork.py's `-t` names actions;
    the processes started at the run's first instant make the first tree."""
    replay = TreeReplay()
    changes = story.changes
    first = changes[0].time if changes else 0
    i = 0
    while i < len(changes) and changes[i].kind == "spawn" and changes[i].time == first:
        replay.apply(changes[i])
        i += 1
    lines = [f"{'Process Tree:':>40}"] + ["    " + line for line in replay.lines(ascii)] + [""]
    for shown, c in enumerate(changes[i:]):
        if shown == limit:
            lines.append(f"... {len(changes) - i - shown} more change(s) not shown (the limit is {limit})")
            break
        replay.apply(c)
        lines.append(f"{format_time(c.time).strip():>14}  Action: {action_text(story, c)}")
        lines += ["    " + line for line in replay.lines(ascii)] + [""]
    return lines
