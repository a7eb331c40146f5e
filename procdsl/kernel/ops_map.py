"""Statements on the memory map: mmap, munmap, the stack's depth, writes and reads at an address, SIGSEGV.

Each change a person could see in /proc/PID/maps is an event (`mmap`, `munmap`, `brk`,
`stack`, `resident`), as is the address of a bad access (`segv`, before its SIGSEGV), so
that the checker and the views rebuild every process's map from the trace alone. The heap
keeps its own copy-on-write structure (kernel/memory.py); `Space.heap_res` only counts how
much of it was written, for RSS and for the page tables fork copies.
"""

from __future__ import annotations

from procdsl.core.linux import SIGSEGV
from procdsl.core.memmap import HEAP_START, PAGE, STACK_TOP
from procdsl.core.values import PipeVal, ProgramFault, type_name
from procdsl.kernel import memory, signals
from procdsl.kernel.files.regular import RegularFile
from procdsl.kernel.mmap import MAP_LIMIT, PTE_LIMIT, Mapping, Space
from procdsl.kernel.opsupport import CONTINUE, EBADF, EINVAL, ENOMEM, HEAP_LIMIT, RESUMED, _fail, _int, _set
from procdsl.kernel.process import LimitReached

EACCES = 13
PAGES_PER_EVENT_SHIFT = 4    # 16 pages written or copied at fork count as one event: about a statement's cost


def space(p) -> Space:
    mm = p.mm
    if mm is None:
        mm = p.mm = Space()
    return mm


def mapped_pages(p) -> int:
    mm = p.mm
    return memory.size(p.heap) + (sum(m.npages for m in mm.maps) if mm is not None else 0)


def grow_ptes(k, n: int) -> None:
    k.mm_ptes += n
    if k.mm_ptes > PTE_LIMIT:
        raise LimitReached("memory", PTE_LIMIT)


def segv(k, p, addr: int, why: str) -> None:
    """A bad access: the address and the reason first, then the fault's SIGSEGV."""
    k.emit(k.cpu_of(p), p.pid, "segv", (addr, why))
    signals.force(k, p, SIGSEGV)


def _addr(v, what: str, span) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ProgramFault(f"{what} needs an address (m = mmap ...), not a {type_name(v)}", span)
    return int(v)


# ---------------------------------------------------------------------- the heap, when the map is modelled


def heap_grown(k, p) -> None:
    """After alloc or sbrk: the break moved."""
    pages = memory.size(p.heap)
    space(p)
    k.emit(k.cpu_of(p), p.pid, "brk", (HEAP_START + pages * PAGE, pages))


def heap_written(k, p, n: int) -> None:
    mm = space(p)
    if n > mm.heap_res:
        mm.heap_res = n
        k.emit(k.cpu_of(p), p.pid, "resident", (HEAP_START, n))


# ---------------------------------------------------------------------- statements


def op_mmap(k, p, op):
    npages = _int(op.expr(p), "mmap", op.span)
    perms, flag_shared = op.aux
    name = ""
    err = 0
    if op.expr2 is not None:
        v = op.expr2(p)
        fd = v.read if isinstance(v, PipeVal) else _int(v, "mmap's fd", op.span)
        f = p.fds[fd] if 0 <= fd < len(p.fds) else None
        if f is None:
            err = EBADF
        elif not isinstance(f, RegularFile) or not f.readable:
            err = EACCES                  # mmap needs a readable regular file
        elif flag_shared and "w" in perms and not f.writable:
            err = EACCES                  # a shared writable map of a file opened read-only
        else:
            name = f.path
            if npages == 0:
                npages = -(-len(f.inode.data) // PAGE)
    if not err and npages <= 0:
        err = EINVAL
    mm = space(p)
    if not err and (mapped_pages(p) + npages > HEAP_LIMIT or len(mm.maps) >= MAP_LIMIT):
        err = ENOMEM
    if err:
        _fail(k, p, "mmap", err)
        addr = -1                          # MAP_FAILED
    else:
        addr = mm.place(npages)
        mm.add(Mapping(addr, npages, perms, name))
        k.emit(k.cpu_of(p), p.pid, "mmap", (addr, npages, perms, name))
    if op.name:
        _set(p, op.name, addr)
    p.pc += 1
    return CONTINUE


def op_munmap(k, p, op):
    addr = _addr(op.expr(p), "munmap", op.span)
    mm = p.mm
    m = mm.find(addr) if mm is not None else None
    if addr % PAGE:
        _fail(k, p, "munmap", EINVAL)
    elif m is not None and m.addr != addr:
        _fail(k, p, "munmap", EINVAL)     # procdsl unmaps whole regions only (Linux would split this one)
    elif m is not None:
        mm.maps.remove(m)
        k.mm_ptes -= m.release()
        k.emit(k.cpu_of(p), p.pid, "munmap", (addr, m.npages))
    p.pc += 1                              # no region there: munmap succeeds doing nothing, as Linux's
    return CONTINUE


def op_stack(k, p, op):
    depth = _int(op.expr(p), "stack", op.span)
    if depth < 0:
        raise ProgramFault(f"a stack depth cannot be negative ({depth})", op.span)
    mm = space(p)
    if depth > k.plan.machine.stack_limit:
        segv(k, p, STACK_TOP - depth * PAGE, "stack limit")
    elif depth > mm.stack_res:
        mm.stack = max(mm.stack, depth)
        mm.stack_res = depth
        k.emit(k.cpu_of(p), p.pid, "stack", (STACK_TOP - mm.stack * PAGE, mm.stack, depth))
    p.pc += 1
    return CONTINUE


def _write(k, p, m: Mapping, first: int, n: int) -> None:
    k.nsteps += n >> PAGES_PER_EVENT_SHIFT       # a write's page walk counts toward max_events
    before = m.resident()
    copies, grown = m.write(first, n)
    if grown and not m.shared:
        grow_ptes(k, grown)
    if copies:
        p.cow += copies
        k.emit(k.cpu_of(p), p.pid, "cow", (copies,))
    after = m.resident()
    if after != before:
        k.emit(k.cpu_of(p), p.pid, "resident", (m.addr, after))


def _writable(k, p, addr: int) -> Mapping | None:
    m = p.mm.find(addr) if p.mm is not None else None
    if m is None:
        segv(k, p, addr, "no region")
    elif m.perms[1] != "w":
        segv(k, p, addr, "read-only")
    else:
        return m
    return None


def op_touch_at(k, p, op):
    """`touch N pages at ADDR`: write N pages of the region from ADDR's page on."""
    n = _int(op.expr(p), "touch", op.span)
    addr = _addr(op.expr2(p), "touch … at", op.span)
    if addr < 0:
        raise ProgramFault(f"touch … at needs an address, not {addr} (did mmap fail?)", op.span)
    while n > 0:                           # a write that runs off a region goes on into the next, if any
        m = _writable(k, p, addr)
        if m is None:
            break
        first = (addr - m.addr) // PAGE
        count = min(n, m.npages - first)
        _write(k, p, m, first, count)
        n -= count
        addr = m.end
    p.pc += 1
    return CONTINUE


def op_poke(k, p, op):
    """`poke ADDR, VALUE`: store a value in mmap'd memory (a word at that address)."""
    addr = _addr(op.expr(p), "poke", op.span)
    value = op.expr2(p)
    m = _writable(k, p, addr)
    if m is not None:
        page = (addr - m.addr) // PAGE
        _write(k, p, m, page, 1)
        m.frames.values.setdefault(m.pages[page], {})[addr % PAGE] = value
    p.pc += 1
    return CONTINUE


# ---------------------------------------------------------------------- fork, exec and exit


def fork_tables(k, p, pc: int):
    """The page-table copy fork makes before it returns: `fork_page` per private resident page.
    Returns RESUMED while the parent still owes that CPU time, None when the fork may go on."""
    mm = p.mm
    if mm is None:
        return None
    if mm.paid == pc:
        mm.paid = -1
        return None
    cost = mm.private_resident() * k.plan.machine.fork_page
    if not cost:
        return None
    mm.paid = pc
    p.remaining = cost
    return RESUMED


def fork_room(k, p) -> bool:
    """Whether the machine has room for a copy of p's page tables (else fork fails with ENOMEM)."""
    return p.mm is None or k.mm_ptes + p.mm.slots() <= PTE_LIMIT
