"""Statements on memory: mutexes, lock and unlock, alloc and copy-on-write touch."""

from __future__ import annotations

from procdsl.core.linux import SIGSEGV
from procdsl.core.values import SharedCell
from procdsl.kernel import memory, ops_map, signals
from procdsl.kernel.memory import Mutex
from procdsl.kernel.opsupport import BLOCKED, CONTINUE, ENOMEM, EPERM, HEAP_LIMIT, _fail, _int, _mutex
from procdsl.kernel.process import SLEEPING


def op_mutex(k, p, op):
    k.next_mutex += 1
    m = Mutex(k.next_mutex)
    p.vars[op.name] = SharedCell(m) if op.flag else m
    p.pc += 1
    return CONTINUE


def op_lock(k, p, op):
    m = _mutex(op.expr(p), op.span)
    if m.owner is None:
        m.owner = p
        p.wait_kind = ""
        p.pc += 1
        return CONTINUE
    m.waiters.append(p)
    k.block(p, SLEEPING, "lock", m, f"lock {m} (held by pid {m.owner.pid})")
    return BLOCKED


def op_unlock(k, p, op):
    m = _mutex(op.expr(p), op.span)
    if m.owner is not p:
        _fail(k, p, "unlock", EPERM)
    else:
        m.owner = None
        if m.waiters:
            k.wake(m.waiters.popleft(), f"{m} unlocked")
    p.pc += 1
    return CONTINUE


def op_alloc(k, p, op):
    pages = _int(op.expr(p), "alloc", op.span)
    if pages < 0 or memory.size(p.heap) + pages > HEAP_LIMIT:
        _fail(k, p, "alloc", ENOMEM)
    else:
        memory.alloc(p.heap, pages)
        if pages and k.plan.machine.memory_map:
            ops_map.heap_grown(k, p)
    p.pc += 1
    return CONTINUE


def op_touch(k, p, op):
    n = _int(op.expr(p), "touch", op.span)
    mapped = k.plan.machine.memory_map
    if n > memory.size(p.heap):
        if mapped:
            ops_map.segv(k, p, ops_map.HEAP_START + memory.size(p.heap) * ops_map.PAGE, "no region")
        else:
            signals.force(k, p, SIGSEGV)    # a write past the end of the heap
        p.pc += 1
        return CONTINUE
    copies = memory.touch(p.heap, n)
    if copies:
        p.cow += copies
        k.emit(k.cpu_of(p), p.pid, "cow", (copies,))
    if mapped:
        ops_map.heap_written(k, p, n)
    p.pc += 1
    return CONTINUE
