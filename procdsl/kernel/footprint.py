"""What a process's next visible statement can touch, for the explorer's partial-order reduction.

Two statements of different processes are *independent* when their footprints share no
token (and are not two different lines for the terminal): whichever runs first, the machine
ends in the same state but for the clock and the policy's bookkeeping, so the explorer needs
only one of the two orders (docs/design.md §8). A footprint over-approximates: when in
doubt it is ALL, dependent with everything.
"""

from __future__ import annotations

from typing import Any

from procdsl.core.linux import SIGCHLD

ALL = frozenset(("*",))
IO_OPS = frozenset(("print", "write", "read", "printf", "fflush", "close", "dup", "dup2", "pipe", "open",
                    "unlink", "lseek", "fcntl"))
SIGNAL_OPS = frozenset(("on", "ignore", "default", "block", "unblock", "pause", "sigreturn"))
MEMORY_OPS = frozenset(("lock", "unlock", "mutex", "alloc", "touch"))
SKIPPED = frozenset(("compute", "jump", "repeat_init", "for_init"))    # local steps a look-ahead may pass
LOOKAHEAD = 16


class Reading:
    """How the explorer reads footprints for one plan: which orders can matter at all."""

    __slots__ = ("pids", "lines", "senders", "only_line")

    def __init__(self, pids: bool = True, lines: bool = False, senders: bool = True,
                 only_line: Any = None) -> None:
        self.pids = pids            # the order of two forks matters (a PID is read)
        self.lines = lines          # two prints of the same line commute (no one asks who printed when)
        self.senders = senders      # some process may send a signal
        self.only_line = only_line  # the one line any process ever prints, when there is one and no other I/O


def _is_line(t: Any) -> bool:
    return type(t) is tuple and t[0] == "line"


def independent(a: frozenset, b: frozenset) -> bool:
    """No token in common, and no two different lines for the terminal (two writes of the same
    line commute: the terminal shows the same text in either order)."""
    if "*" in a or "*" in b or not a.isdisjoint(b):
        return False
    if any(_is_line(t) for t in a):
        return "io" not in b and not any(_is_line(t) for t in b)
    return "io" not in a or not any(_is_line(t) for t in b)


def _holds_objects(p: Any) -> bool:
    """Does `p` hold an fd on something other processes can see it close (a pipe, a file)?"""
    return any(f is not None and f.kind != "terminal" for f in p.fds)


def next_pc(k: Any, p: Any) -> int:
    """Where `p`'s next visible statement is, or -1 when that is not known without running it
    (a branch on a value, a signal about to be handled)."""
    if p.sigpending or p.code is None or not hasattr(p.code, "ops"):
        return -1
    ops = p.code.ops
    planned = k.plan.programs[p.code.name].ops
    pc = p.pc
    for _ in range(LOOKAHEAD):
        if not 0 <= pc < len(ops):
            return -1
        op = ops[pc]
        if op.visible or p.remaining or p.paid == pc:
            return pc
        kind = planned[pc].op
        if kind not in SKIPPED:
            return -1
        pc = op.jump if kind == "jump" else pc + 1
    return -1


def _line(p: Any, pc: int) -> Any:
    """The text a `print` is about to write, when working it out has no effect (no random draw)."""
    runtime = p.code.ops[pc]
    if runtime.expr is None or not runtime.pure:
        return None
    try:
        return runtime.expr(p)
    except Exception:  # noqa: BLE001 - a fault is the statement's own business, when it runs
        return None


def footprint(k: Any, p: Any, r: Reading) -> frozenset:
    """The tokens `p`'s next visible statement may touch; its own process and its signals always."""
    pc = next_pc(k, p)
    if pc < 0:
        return ALL
    kind = k.plan.programs[p.code.name].ops[pc].op
    me, sig = ("p", p.pid), ("sig", p.pid)
    if not p.code.ops[pc].pure:
        return ALL                       # it reads shared memory, its parent's PID or the generator
    if kind == "print" and r.lines and p.fds and p.fds[1] is not None and p.fds[1].kind == "terminal":
        line = _line(p, pc)
        if line is not None:
            return frozenset((me, sig, ("line", line)))
    if kind in IO_OPS or kind == "printf":
        return frozenset((me, sig, "io"))
    if kind in ("fork", "fork_block"):
        tokens = [me, sig]
        if r.pids:
            tokens += ["pids", ("kids", p.pid)]
        if _holds_objects(p):
            tokens.append("io")
        return frozenset(tokens)
    if kind == "exit":
        return frozenset(_exit_tokens(k, p, me, sig))
    if kind == "wait":
        return frozenset((me, sig, ("reap", p.pid)))
    if kind in SIGNAL_OPS:
        return frozenset((me, sig, ("sigchld", p.pid)))
    if kind in ("sleep", "io", "nice"):
        return frozenset((me, sig))
    if kind in MEMORY_OPS:
        return frozenset((me, sig, "memory"))
    if kind in ("assign", "jump_if_false", "repeat_next", "for_next", "compute"):
        # visible only because it reads shared memory, its parent's PID or the generator
        return frozenset((me, sig, "shared", "rng", "ppid"))
    return ALL


def _exit_tokens(k: Any, p: Any, me: tuple, sig: tuple) -> list:
    """An exit makes a zombie its parent may reap (or the built-in init reaps at once), may
    signal the parent, re-parents its children (their PPID changes), closes its fds."""
    tokens = [me, sig]
    parent = p.parent
    if parent is not None and not parent.builtin:
        tokens.append(("reap", parent.pid))
        # SIGCHLD acts only through a handler; a parent that may still install one conflicts
        handler = parent.handlers.get(SIGCHLD)
        tokens.append(("sig", parent.pid) if handler is not None and handler >= 0 else ("sigchld", parent.pid))
    if p.children:
        tokens.append("ppid")
        reaper = k.find_reaper(p)
        if not reaper.builtin:
            tokens += [("reap", reaper.pid), ("sig", reaper.pid)]
    if _holds_objects(p):
        tokens.append("io")
    return tokens


def alone(k: Any, p: Any, fp: frozenset, r: Reading) -> bool:
    """Is `p`'s next statement independent of everything any other process can do from now on?
    Then running it first loses no order (a persistent set of one). Only what no one else can
    reach is: its own process, its signals when nothing sends any and no child can exit, the
    one line every process prints."""
    if "*" in fp:
        return False
    rest = set(fp)
    rest.discard(("p", p.pid))
    if not p.children:                   # only its children's exits reach these (its own forks come later)
        rest.discard(("sigchld", p.pid))
        if not r.senders:
            rest.discard(("sig", p.pid))
    if r.only_line is not None:
        rest.discard(("line", r.only_line))
    return not rest
