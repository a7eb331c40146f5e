"""Statements that compute, sleep, assign and steer: compute, sleep, io, =, +=, if/while, repeat, for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from procdsl.core.values import (
    MISSING,
    Dur,
    PipeVal,
    ProgramFault,
    SharedCell,
    arith,
    type_name,
)
from procdsl.kernel.ops_io import read_line
from procdsl.kernel.opsupport import (
    BLOCKED,
    CONTINUE,
    RuntimeOp,
    _duration,
    _fd,
    _int,
    _set,
    duration_text,
    interrupted,
)
from procdsl.kernel.process import DISK, RUNNING, SLEEPING, Proc

if TYPE_CHECKING:
    from procdsl.kernel.runqueue import RunQueues


def op_compute(k: RunQueues, p: Proc, op: RuntimeOp) -> str:
    dur = op.dur          # a constant duration, checked once at load (code.load_op)
    p.remaining += dur if dur is not None else _duration(op.expr(p), op.span)
    p.pc += 1
    return CONTINUE


def op_sleep(k: RunQueues, p: Proc, op: RuntimeOp) -> str:
    if p.eintr and interrupted(k, p, "sleep"):       # a handler ended it: sleep_until holds the time left
        return _slept(p, op, p.sleep_until)
    fresh = p.sleep_until < 0
    if fresh:
        dur = op.dur
        p.sleep_until = k.now + (dur if dur is not None else _duration(op.expr(p), op.span))
    disk = op.flag
    # an `io`, even of 0 ms, always leaves the CPU: the task comes back behind those waiting
    if k.now >= p.sleep_until and not (fresh and disk):
        return _slept(p, op, 0)
    if k.now >= p.sleep_until:
        k.block(p, DISK, "io", None, _io_until, wake=True)
        return BLOCKED
    k.block(p, DISK if disk else SLEEPING, "io" if disk else "sleep", None, _io_until if disk else _sleep_until)
    if p.state != RUNNING:                 # not when a pending signal kept it from sleeping
        k.timer(p, p.sleep_until)
    return BLOCKED


def _sleep_until(p: Proc) -> str:
    return "sleep until " + duration_text(p.sleep_until)


def _io_until(p: Proc) -> str:
    return "io until " + duration_text(p.sleep_until)


def _slept(p: Proc, op: RuntimeOp, left: int) -> str:
    p.sleep_until = -1
    p.wait_kind = ""
    if op.name:
        _set(p, op.name, Dur(left if left > 0 else 0))
    p.pc += 1
    return CONTINUE


def op_assign(k: RunQueues, p: Proc, op: RuntimeOp) -> str:
    value = op.expr(p)
    name = op.name
    if op.aux:                        # += or -=
        cur = p.vars.get(name, MISSING)
        if cur is MISSING:
            raise ProgramFault(f"'{name}' has no value yet", op.span)
        if type(cur) is SharedCell:
            # load, then store one step later: another CPU may store in between (a lost update)
            if p.pending_store is None:
                p.pending_store = (arith(op.aux, cur.value, value, op.span),)
                if op.cost:
                    p.remaining += k.chooser.window(k, p, 2 * op.cost)
                return CONTINUE
            cur.value = p.pending_store[0]
            p.pending_store = None
        else:
            p.vars[name] = arith(op.aux, cur, value, op.span)
    elif op.flag:
        p.vars[name] = SharedCell(value)
    else:
        _set(p, name, value)
    p.pc += 1
    return CONTINUE


def op_jump(k: RunQueues, p: Proc, op: RuntimeOp) -> str:
    p.pc = op.jump
    return CONTINUE


def op_jump_if_false(k: RunQueues, p: Proc, op: RuntimeOp) -> str:
    p.pc = p.pc + 1 if op.expr(p) else op.jump
    return CONTINUE


def op_repeat_init(k: RunQueues, p: Proc, op: RuntimeOp) -> str:
    p.vars[op.name] = _int(op.expr(p), "repeat", op.span)
    p.pc += 1
    return CONTINUE


def op_repeat_next(k: RunQueues, p: Proc, op: RuntimeOp) -> str:
    left = p.vars[op.name]
    if left <= 0:
        p.pc = op.jump
    else:
        p.vars[op.name] = left - 1
        p.pc += 1
    return CONTINUE


def op_for_init(k: RunQueues, p: Proc, op: RuntimeOp) -> str:
    v = op.expr(p)
    if isinstance(v, tuple):
        p.vars[op.name] = (v, 0)
    elif isinstance(v, (PipeVal, int)) and not isinstance(v, bool):
        p.vars[op.name] = ("fd", _fd(v, op.span, False))
    else:
        raise ProgramFault(f"`for` goes over a list or a file descriptor, not a {type_name(v)}", op.span)
    p.pc += 1
    return CONTINUE


def op_for_next(k: RunQueues, p: Proc, op: RuntimeOp) -> str:
    items, i = p.vars[op.aux]
    if type(items) is str:
        return read_line(k, p, i, op)
    if i < len(items):
        _set(p, op.name, items[i])
        p.vars[op.aux] = (items, i + 1)
        p.pc += 1
    else:
        p.pc = op.jump
    return CONTINUE
