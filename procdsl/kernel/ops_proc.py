"""Statements on processes and signals: fork, exec, exit, wait, send, handlers, masks, pause, nice."""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING

from procdsl.core.linux import WCONTINUED, WNOHANG, WUNTRACED, weight
from procdsl.core.values import Status
from procdsl.kernel import jobctl, ops_map, ops_stdio, signals
from procdsl.kernel.opsupport import (
    BLOCKED,
    CONTINUE,
    EAGAIN,
    ECHILD,
    EINTR,
    ENOMEM,
    EPERM,
    EXITED,
    RESUMED,
    RuntimeOp,
    _fail,
    _int,
    _set,
    _signal,
    interrupted,
)
from procdsl.kernel.process import IGN, SLEEPING, ZOMBIE, Proc

if TYPE_CHECKING:
    from procdsl.kernel.lifecycle import Lifecycle


def op_fork(k: Lifecycle, p: Proc, op: RuntimeOp) -> str:
    here = p.pc
    block = op.flag
    room = True
    if p.mm is not None:                 # a map beyond the image: its page tables' copy first, paid by the parent
        if ops_map.fork_tables(k, p, here) is RESUMED:
            return RESUMED
        room = ops_map.fork_room(k, p)
    child = k.fork(p, op.name if block else None) if room else None
    if child is None:
        _fail(k, p, "fork", EAGAIN if room else ENOMEM)
        if op.name and not block:
            _set(p, op.name, -1)
        p.pc = op.jump if block else here + 1
        return CONTINUE
    child.pc = here + 1
    if block:
        _set(p, op.name, child.pid)
        p.pc = op.jump
    else:
        if op.name:
            _set(p, op.name, child.pid)
            _set(child, op.name, 0)
        p.pc = here + 1
    return CONTINUE


def op_exit(k: Lifecycle, p: Proc, op: RuntimeOp) -> str:
    """exit(3) (`exit`, and the end of a program or fork block) writes out stdio's buffers
    first; `_exit` (op.flag) leaves at once and they are lost."""
    if not op.flag and (p.stdio is not None or p.write_rest is not None) and ops_stdio.flush(k, p) is None:
        return BLOCKED
    code = _int(op.expr(p), "exit", op.span) if op.expr is not None else 0
    k.exit_process(p, code)
    return EXITED


def op_wait(k: Lifecycle, p: Proc, op: RuntimeOp) -> str:
    """waitpid: the first child in the parent's list (fork order; adopted children at the end)
    with something to report — an exit, or with `untraced` / `continued` a stop or continue
    not yet reported — as do_wait scans `children`; `wait 0` and `wait -G` look only at the
    children in that process group (ECHILD when none is there)."""
    if p.eintr and interrupted(k, p, "wait"):
        return _waited(p, op, Status(-1))
    options = op.aux
    target = _int(op.expr(p), "wait", op.span) if op.expr is not None else -1
    if target > 0:
        child = p.children.get(target)
        if child is None:
            return _no_child(k, p, op)
        found = child if _reports(child, options) else None
    elif not p.children:
        return _no_child(k, p, op)
    elif target == -1:
        zombies = p.zombies
        found = k.first_zombie(p) if zombies else None
        if p.changed and options & (WUNTRACED | WCONTINUED):
            found = _first_change(p, options, found)
    else:
        # not into `found` at once: it holds a child or None, and a compiled kernel checks that
        in_group = _group_child(p, p.pgid if target == 0 else -target, options)
        if in_group is False:
            return _no_child(k, p, op)
        found = in_group
    if found is not None:
        if found.state == ZOMBIE:
            # the status is made only for a wait that keeps it (`st = wait`)
            status = Status(found.pid, found.exit_code, found.exit_signal, found.core) if op.name else None
            k.reap(p, found)
        else:
            status = _report(k, p, found)
        return _waited(p, op, status)
    if options & WNOHANG:
        return _waited(p, op, Status(0))
    k.block(p, SLEEPING, "wait", options, "wait for a child")
    return BLOCKED


def _reports(c: Proc, options: int) -> bool:
    if c.state == ZOMBIE:
        return True
    return bool(c.report and options & (WUNTRACED if c.report > 0 else WCONTINUED))


def _first_change(p: Proc, options: int, best: Proc | None) -> Proc | None:
    """A stop or continue of a child before `best` in the list, when the options ask for it."""
    for c in p.changed.values():
        if (best is None or c.seq < best.seq) and _reports(c, options):
            best = c
    return best


def _report(k, p: Proc, c: Proc) -> Status:
    """A stop or a continue is reported once, and the child stays."""
    report, c.report = c.report, 0
    del p.changed[c.pid]
    if report > 0:
        k.emit(k.cpu_of(p), p.pid, "waited", (c.pid, "stopped", report))
        return Status(c.pid, stopsig=report)
    k.emit(k.cpu_of(p), p.pid, "waited", (c.pid, "continued", 0))
    return Status(c.pid, continued=True)


def _no_child(k: Lifecycle, p: Proc, op: RuntimeOp) -> str:
    _fail(k, p, "wait", ECHILD)
    return _waited(p, op, Status(-1))


def _waited(p: Proc, op: RuntimeOp, status: Status | None) -> str:
    if op.name:
        _set(p, op.name, status)
    p.wait_kind = ""
    p.pc += 1
    return CONTINUE


_PLACE = attrgetter("seq")          # a child's place in its parent's list


def _group_child(p, pgid: int, options: int):
    """The first child in process group pgid with something to report, None when its children
    there have nothing yet, False when p has no child there (waitpid(-pgid) looks at the group now)."""
    found = [c for c in p.children.values() if c.pgid == pgid]
    if not found:
        return False
    ready = [c for c in found if _reports(c, options)]
    return min(ready, key=_PLACE) if ready else None


def op_send(k, p, op):
    sig = _signal(op.expr(p), op.span)
    target = _int(op.expr2(p), "send ... to", op.span)
    if target > 0:
        err = signals.send(k, p, k.procs.get(target), sig)
    elif target == 0 or target < -1:         # kill(0): the caller's own group; kill(-pgid)
        err = jobctl.kill_group(k, p, p.pgid if target == 0 else -target, sig)
    else:
        err = signals.kill_all(k, p, sig)
    if err:
        p.errno = err
    p.pc += 1
    return CONTINUE


def op_on(k, p, op):
    p.handlers[op.signal] = p.pc + 1
    signals.sigaction(p, op.signal, op.aux)
    p.pc = op.jump
    return CONTINUE


# the statement is signals.sigreturn itself: it runs once a delivery, and a wrapper was a call more
op_sigreturn = signals.sigreturn


def op_ignore(k, p, op):
    p.handlers[op.signal] = IGN
    signals.sigaction(p, op.signal, (op.aux, 0) if op.aux else None)
    p.pending &= ~(1 << op.signal)          # setting SIG_IGN discards a pending instance
    signals.update_pending(p)
    p.pc += 1
    return CONTINUE


def op_default(k, p, op):
    p.handlers.pop(op.signal, None)
    signals.sigaction(p, op.signal, (op.aux, 0) if op.aux else None)
    p.pc += 1
    return CONTINUE


def op_block(k, p, op):
    p.mask |= op.aux
    signals.update_pending(p)
    p.pc += 1
    return CONTINUE


def op_unblock(k, p, op):
    p.mask &= ~op.aux
    signals.update_pending(p)
    p.pc += 1
    return CONTINUE


def op_setmask(k, p, op):
    p.mask = op.aux
    signals.update_pending(p)
    p.pc += 1
    return CONTINUE


def op_pause(k, p, op):
    if p.eintr:                 # interrupted() and _fail(), inline: after every handler a pause fails with EINTR
        p.eintr = False
        p.errno = EINTR
        k.emit(p.cpu.id if p.cpu is not None else -1, p.pid, "fail", ("pause", EINTR))
        p.pc += 1
        return CONTINUE
    k.block(p, SLEEPING, "pause", None, "pause")
    return BLOCKED


def op_sigsuspend(k, p, op):
    """Replace the mask and sleep until a handler has run, in one step: a signal the new mask
    lets through that is already pending is delivered at once (the race pause leaves open)."""
    if p.eintr and interrupted(k, p, "sigsuspend"):
        p.pc += 1
        return CONTINUE
    if p.saved_mask < 0:
        p.saved_mask = p.mask
        p.mask = op.aux
        signals.update_pending(p)
    k.block(p, SLEEPING, "sigsuspend", None, "sigsuspend")
    return BLOCKED


def op_nice(k, p, op):
    value = max(-20, min(19, _int(op.expr(p), "nice", op.span)))
    if value < p.nice and p.euid != 0:
        _fail(k, p, "nice", EPERM)
    else:
        p.nice = value
        old = p.weight
        p.weight = weight(value)
        k.sched.reweight(p, old)
        k.emit(k.cpu_of(p), p.pid, "nice", (value,))
    p.pc += 1
    return CONTINUE


def op_subreaper(k, p, op):
    p.subreaper = True
    k.emit(k.cpu_of(p), p.pid, "subreaper", ())
    p.pc += 1
    return CONTINUE
