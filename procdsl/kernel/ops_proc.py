"""Statements on processes and signals: fork, exec, exit, wait, send, handlers, masks, pause, nice."""

from __future__ import annotations

from procdsl.core.linux import weight
from procdsl.core.values import Status
from procdsl.kernel import memory, mmap, ops_map, ops_stdio, signals
from procdsl.kernel.files import fdtable
from procdsl.kernel.opsupport import (
    BLOCKED,
    CONTINUE,
    EAGAIN,
    ECHILD,
    EINVAL,
    ENOMEM,
    EPERM,
    ESRCH,
    EXITED,
    RESUMED,
    _fail,
    _int,
    _set,
    _signal,
)
from procdsl.kernel.process import IGN, SLEEPING, ZOMBIE


def op_fork(k, p, op):
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


def op_exec(k, p, op):
    prog = k.programs[op.name]
    args = tuple(f(p) for f in op.args)
    memory.release(p.heap)
    if p.mm is not None:
        mmap.release(k, p)
    p.code = prog
    p.pc = 0
    p.vars = {}
    p.args = args
    p.cmd = prog.name
    p.handlers = {s: h for s, h in p.handlers.items() if h == IGN}
    p.frames = []
    p.linebuf = {}
    p.stdio = None                       # the old image's stdio buffers are gone, unwritten
    p.pending_store = None
    if prog.burst is not None:
        p.burst = prog.burst
    k.emit(k.cpu_of(p), p.pid, "exec", (prog.name,))
    if p.cloexec:
        for fd in fdtable.close_on_exec(k, p):
            k.emit(k.cpu_of(p), p.pid, "close", (fd, "exec"))
    return CONTINUE


def op_exit(k, p, op):
    """exit(3) (`exit`, and the end of a program or fork block) writes out stdio's buffers
    first; `_exit` (op.flag) leaves at once and they are lost."""
    if not op.flag and (p.stdio is not None or p.write_rest is not None) and ops_stdio.flush(k, p) is None:
        return BLOCKED
    code = _int(op.expr(p), "exit", op.span) if op.expr is not None else 0
    k.exit_process(p, code)
    return EXITED


def op_wait(k, p, op):
    status = None
    if op.expr is not None:
        target = _int(op.expr(p), "wait", op.span)
        child = p.children.get(target)
        if child is None:
            status = Status(-1)
        elif child.state == ZOMBIE:
            zombie = child
        else:
            zombie = None
    elif not p.children:
        status = Status(-1)
    else:
        zombie = min(p.zombies.values(), key=lambda c: c.seq) if p.zombies else None
    if status is None:
        if zombie is not None:
            status = Status(zombie.pid, zombie.exit_code, zombie.exit_signal)
            k.reap(p, zombie)
        elif op.flag:
            status = Status(0)
        else:
            k.block(p, SLEEPING, "wait", None, "wait for a child")
            return BLOCKED
    if status.pid < 0:
        _fail(k, p, "wait", ECHILD)
    if op.name:
        _set(p, op.name, status)
    p.wait_kind = ""
    p.pc += 1
    return CONTINUE


def op_send(k, p, op):
    sig = _signal(op.expr(p), op.span)
    target = _int(op.expr2(p), "send ... to", op.span)
    if target > 0:
        err = signals.send(k, p, k.procs.get(target), sig)
    elif target == -1:
        err = ESRCH
        for q in sorted(k.procs.values(), key=lambda q: q.pid):
            if q.pid > 1 and q is not p and q.alive and (p.uid == 0 or q.uid == p.uid):
                err = 0
                signals.send(k, p, q, sig)
    else:
        err = EINVAL
    if err:
        p.errno = err
    p.pc += 1
    return CONTINUE


def op_on(k, p, op):
    p.handlers[op.signal] = p.pc + 1
    p.pc = op.jump
    return CONTINUE


def op_sigreturn(k, p, op):
    signals.sigreturn(p)
    return RESUMED


def op_ignore(k, p, op):
    p.handlers[op.signal] = IGN
    p.pending &= ~(1 << op.signal)          # setting SIG_IGN discards a pending instance
    signals.update_pending(p)
    p.pc += 1
    return CONTINUE


def op_default(k, p, op):
    p.handlers.pop(op.signal, None)
    p.pc += 1
    return CONTINUE


def op_block(k, p, op):
    p.mask |= 1 << op.signal
    signals.update_pending(p)
    p.pc += 1
    return CONTINUE


def op_unblock(k, p, op):
    p.mask &= ~(1 << op.signal)
    signals.update_pending(p)
    p.pc += 1
    return CONTINUE


def op_pause(k, p, op):
    k.block(p, SLEEPING, "pause", None, "pause")
    return BLOCKED


def op_nice(k, p, op):
    value = max(-20, min(19, _int(op.expr(p), "nice", op.span)))
    if value < p.nice and p.uid != 0:
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
