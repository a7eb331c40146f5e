"""What a process's next visible statement can touch, for the explorer's partial-order reduction.

Two statements of different processes are *independent* when their footprints share no
token: whichever runs first, the machine ends in the same state but for the clock and the
policy's bookkeeping, so the explorer needs only one of the two orders (docs/design.md §8).
A footprint over-approximates: when in doubt it is ALL, dependent with everything.
"""

from __future__ import annotations

from typing import Any

ALL = frozenset(("*",))
IO_OPS = frozenset(("print", "write", "read", "printf", "fflush", "close", "dup", "dup2", "pipe", "open",
                    "unlink", "lseek", "fcntl"))
SIGNAL_OPS = frozenset(("on", "ignore", "default", "block", "unblock", "pause", "sigreturn"))
MEMORY_OPS = frozenset(("lock", "unlock", "mutex", "alloc", "touch"))
SKIPPED = frozenset(("compute", "jump", "repeat_init", "for_init"))    # local steps a look-ahead may pass
LOOKAHEAD = 16


def independent(a: frozenset, b: frozenset) -> bool:
    return "*" not in a and "*" not in b and a.isdisjoint(b)


def _holds_objects(p: Any) -> bool:
    """Does `p` hold an fd on something other processes can see it close (a pipe, a file)?"""
    return any(f is not None and f.kind != "terminal" for f in p.fds)


def next_op(k: Any, p: Any) -> Any:
    """The plan's op `p` will run as its next visible statement, or None when that is not
    known without running it (a branch on a value, a signal about to be handled)."""
    if p.sigpending or p.code is None or not hasattr(p.code, "name"):
        return None
    planned = k.plan.programs[p.code.name].ops
    ops = p.code.ops
    pc = p.pc
    for _ in range(LOOKAHEAD):
        if not 0 <= pc < len(ops):
            return None
        op = ops[pc]
        if op.visible or p.remaining or p.paid == pc:
            return planned[pc]
        kind = planned[pc].op
        if kind not in SKIPPED:
            return None
        pc = op.jump if kind == "jump" else pc + 1
    return None


def footprint(k: Any, p: Any, pids: bool = True) -> frozenset:
    """The tokens `p`'s next visible statement may touch; its own process and its signals
    always. `pids`: the order of two forks matters (a program reads a PID)."""
    op = next_op(k, p)
    if op is None:
        return ALL
    kind = op.op
    me = ("p", p.pid)
    sig = ("sig", p.pid)
    parent = p.parent
    if kind in IO_OPS or kind in ("print", "printf"):
        return frozenset((me, sig, "io"))
    if kind in ("fork", "fork_block"):
        return frozenset((me, sig, ("kids", p.pid)) + (("pids",) if pids else ()) + (("io",) if _holds_objects(p) else ()))
    if kind == "exit":
        tokens = [me, sig, ("kids", p.pid)]
        if parent is not None and not parent.builtin:
            tokens += [("kids", parent.pid), ("sig", parent.pid)]
        if p.children and not k.init.builtin:
            tokens.append(("kids", 1))
        if _holds_objects(p):
            tokens.append("io")
        return frozenset(tokens)
    if kind in ("wait", "subreaper"):
        return frozenset((me, sig, ("kids", p.pid)))
    if kind in SIGNAL_OPS or kind in ("sleep", "io", "nice"):
        return frozenset((me, sig))
    if kind in MEMORY_OPS:
        return frozenset((me, sig, "memory"))
    if kind in ("assign", "jump_if_false", "repeat_next", "for_next", "compute"):
        return frozenset((me, sig, "shared", "rng"))      # visible only because it reads shared memory or draws
    return ALL


def alone(k: Any, p: Any, fp: frozenset, senders: bool) -> bool:
    """Is `p`'s next statement independent of everything any other process can do from now on?
    Then running it first loses no order (a persistent set of one). Only what no one else can
    reach is: its own process, its signals when nothing sends any, the children of a process
    that is exiting without any."""
    if "*" in fp:
        return False
    rest = fp - {("p", p.pid)}
    if not senders:
        rest = rest - {("sig", p.pid)}
    if ("kids", p.pid) in rest and not p.children and next_op(k, p).op == "exit":
        rest = rest - {("kids", p.pid)}
    return not rest
