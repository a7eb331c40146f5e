"""Statements on memory: mutexes, lock and unlock, alloc and copy-on-write touch."""

from __future__ import annotations

from procdsl.core.linux import SIGSEGV
from procdsl.core.values import SharedCell
from procdsl.kernel import memory, ops_map, signals
from procdsl.kernel.memory import Mutex
from procdsl.kernel.opsupport import BLOCKED, CONTINUE, EDEADLK, ENOMEM, EPERM, HEAP_LIMIT, _fail, _int, _mutex
from procdsl.kernel.process import SLEEPING


def op_mutex(k, p, op):
    k.next_mutex += 1
    m = Mutex(k.next_mutex, op.aux)
    p.vars[op.name] = SharedCell(m) if op.flag else m
    p.pc += 1
    return CONTINUE


def op_lock(k, p, op):
    """pthread_mutex_lock. A handler does not interrupt it: the waiter goes back to waiting."""
    m = _mutex(op.expr(p), op.span)
    owner = m.owner
    if owner is None or (owner is p and m.kind != "normal"):
        if owner is None:
            m.owner = p
            m.count = 1
        elif m.kind == "recursive":
            m.count += 1
        else:
            _fail(k, p, "lock", EDEADLK)          # errorcheck: the owner locks again
        p.wait_kind = ""
        p.pc += 1
        return CONTINUE
    m.waiters.append(p)                           # a normal mutex's owner waits here for itself
    k.block(p, SLEEPING, "lock", m, _held)
    return BLOCKED


def op_unlock(k, p, op):
    """pthread_mutex_unlock: a normal mutex is released whoever calls it (0, as glibc does);
    errorcheck and recursive ones give EPERM unless the caller owns them."""
    m = _mutex(op.expr(p), op.span)
    if m.kind != "normal" and m.owner is not p:
        _fail(k, p, "unlock", EPERM)
    elif m.count > 1:
        m.count -= 1
    elif m.owner is not None:
        release(k, m)
    p.pc += 1
    return CONTINUE


def release(k, m: Mutex) -> None:
    """The mutex is free: the longest waiter is woken to try again (a futex wake, no hand-off)."""
    m.owner = None
    m.count = 0
    if m.waiters:
        k.wake(m.waiters.popleft(), f"{m} unlocked")


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


def _held(p) -> str:
    """The trace's words for the wait, formatted only if the block record is kept (RunQueues.block)."""
    return f"lock {p.wait_on} (held by pid {p.wait_on.owner.pid})"
