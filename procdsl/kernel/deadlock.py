"""Why a run that can go no further is stuck: what each blocked process waits for, and who could end it.

The explanation is one pass over the blocked processes and one over the live processes' fds,
and its size is bounded whatever the number of processes: processes waiting on the same pipe
or mutex share one line, a line names at most SHOWN processes or descriptors and counts the
rest, and the record has at most MAX_LINES lines before a last one that counts the others.
"""

from __future__ import annotations

from typing import Any

from procdsl.kernel.files.pipe import PipeEnd
from procdsl.kernel.process import STOPPED, Proc

SHOWN = 5
MAX_LINES = 20


class _Names:
    """A list that keeps its first SHOWN names and counts the rest."""

    __slots__ = ("names", "count")

    def __init__(self) -> None:
        self.names: list[str] = []
        self.count = 0

    def add(self, name: str) -> None:
        self.count += 1
        if len(self.names) < SHOWN:
            self.names.append(name)

    def __str__(self) -> str:
        more = self.count - len(self.names)
        return ", ".join(self.names) + (f", … ({more:,} more)" if more else "")


# a socket call asleep, and what nobody did for it
SOCKET_WAITS = {"recv": ": nothing was sent and the peer is still open", "send": ": nobody reads what it queued",
                "accept": ": no client connects", "connect": ": the listener's backlog stays full",
                "poll": ": none of them becomes ready"}


def explain(k, blocked: list[Proc]) -> tuple[str, ...]:
    """The lines of the `deadlock` record, in the order the blocked processes were created."""
    groups: dict[Any, list[Proc]] = {}
    for p in blocked:
        if p.state == STOPPED:
            key: Any = STOPPED
        elif p.wait_kind in ("read", "write", "lock") and p.wait_on is not None:
            key = (p.wait_kind, id(p.wait_on))
        else:
            key = "pause" if p.wait_kind == "pause" else p.pid
        groups.setdefault(key, []).append(p)
    holders = _pipe_holders(k) if any(p.wait_kind in ("read", "write") for p in blocked) else {}
    lines: list[str] = []
    left = len(blocked)
    for procs in groups.values():
        if len(lines) == MAX_LINES:
            lines.append(f"… and {left:,} more blocked process{'es' if left > 1 else ''}")
            break
        lines.append(_line(k, procs, holders))
        left -= len(procs)
    return tuple(lines)


def _name(k, p: Proc) -> str:
    """`reader[0](2)` when the label has several processes, as the trace names them at the end."""
    if p.index == 0 and p.label and len(k.by_label[p.label]) > 1:
        return f"{p.label}[0]({p.pid})"
    return f"{k.label_names[p.pid]}({p.pid})"


def _who(k, procs: list[Proc]) -> str:
    """`reader(2)` for one process; `3 processes (a(2), b(3), c(4))` for several."""
    if len(procs) == 1:
        return _name(k, procs[0])
    names = _Names()
    for p in procs:
        names.add(_name(k, p))
    return f"{len(procs):,} processes ({names})"


def _line(k, procs: list[Proc], holders: dict) -> str:
    p = procs[0]
    who = _who(k, procs)
    verb = "waits" if len(procs) == 1 else "wait"
    kind, on = p.wait_kind, p.wait_on
    if p.state == STOPPED:
        return f"{who} {'is' if len(procs) == 1 else 'are'} stopped and nobody sends SIGCONT"
    if kind == "read" and on is not None:
        return f"{who} {verb} to read {on}, whose write end is still open in {_held(holders, on, True)}"
    if kind == "write" and on is not None:
        return f"{who} {verb} to write {on}, which is full; its read end is open in {_held(holders, on, False)}"
    if kind == "lock" and on is not None:
        owner = on.owner
        held = _name(k, owner) if owner is not None else "nobody"
        if owner is p:
            held += ", itself: a normal mutex its owner locks again waits for good"
        return f"{who} {verb} for {on}, held by {held}"
    if kind == "wait":
        kids = _Names()
        for c in p.children.values():
            kids.add(_name(k, c))
        return f"{who} waits for a child to exit; its children: {kids if kids.count else 'none'}"
    if kind in SOCKET_WAITS and on is not None:
        where = str(on) if kind == "poll" else f"{kind} on {on}"          # a poll names its fds itself
        return f"{who} {verb} in {where}{SOCKET_WAITS[kind]}"
    if kind == "pause":
        return f"{who} {'pauses' if len(procs) == 1 else 'pause'} for a signal that never comes"
    if kind == "sigsuspend":
        return f"{who} {verb} in sigsuspend for a signal that never comes"
    return f"{who} is blocked ({kind or p.state})"


def _held(holders: dict, pipe: Any, writing: bool) -> str:
    names = holders.get((pipe.id, writing))
    return str(names) if names is not None else "no process"


def _pipe_holders(k) -> dict[tuple[int, bool], _Names]:
    """(pipe, write end?) -> the live processes' fds open on that end, in creation and fd order."""
    out: dict[tuple[int, bool], _Names] = {}
    for q in k.procs.values():
        if q.alive:
            for fd, f in enumerate(q.fds):
                if isinstance(f, PipeEnd):
                    key = (f.pipe.id, f.writing)
                    names = out.get(key)
                    if names is None:
                        names = out[key] = _Names()
                    names.add(f"{_name(k, q)} fd {fd}")
    return out
