"""A process's memory map beyond its heap: mmap'd regions (private copy-on-write or shared), the stack's depth.

A process that never asks for a region has no `Space` (`Proc.mm` is None): its map is the
image of core/memmap.py, which costs nothing per process. A `Mapping` keeps one slot per
page it has touched (a page-table entry: 0 for not resident, else a frame number), so a
fork copies exactly what Linux's copy_page_range copies; a frame's reference count says
whether a write must copy it (more than one user) or may reuse it (the last user), as
do_wp_page decides. A shared mapping's slots are one list every sharer points at, so a
write in one process is seen by the others and nothing is ever copied.
"""

from __future__ import annotations

from procdsl.core.memmap import MMAP_BASE, PAGE, STACK_PAGES

PTE_LIMIT = 1 << 21          # page slots the whole machine may hold (8 GiB of touched pages)
MAP_LIMIT = 64               # mmap'd regions per process (Linux's vm.max_map_count is 65530)


class Frames:
    """The frames of one mmap and of every copy fork made of it: reference counts and stored values."""

    __slots__ = ("refs", "values", "last", "shared_resident")

    def __init__(self) -> None:
        self.refs: dict[int, int] = {}
        self.values: dict[int, dict] = {}       # frame -> {offset in the page: value}
        self.last = 0
        self.shared_resident = 0                # a shared mapping's resident pages (one count for all sharers)

    def new(self) -> int:
        self.last += 1
        self.refs[self.last] = 1
        return self.last

    def drop(self, frame: int) -> None:
        n = self.refs[frame] - 1
        if n:
            self.refs[frame] = n
        else:
            del self.refs[frame]
            self.values.pop(frame, None)


class Mapping:
    __slots__ = ("addr", "npages", "perms", "name", "pages", "frames", "res")

    def __init__(self, addr: int, npages: int, perms: str, name: str) -> None:
        self.addr = addr
        self.npages = npages
        self.perms = perms             # as maps shows them: "rw-p", "r--s", ...
        self.name = name               # a file's path, or "" for anonymous memory
        self.pages: list[int] = []     # the page slots touched so far (shared mappings share this list)
        self.frames = Frames()
        self.res = 0                   # a private mapping's resident pages (its non-zero slots)

    @property
    def end(self) -> int:
        return self.addr + self.npages * PAGE

    @property
    def shared(self) -> bool:
        return self.perms[3] == "s"

    def resident(self) -> int:
        return self.frames.shared_resident if self.shared else self.res

    def write(self, first: int, n: int) -> tuple[int, int]:
        """Write pages first..first+n-1: (pages copied, new page slots)."""
        pages = self.pages
        grown = first + n - len(pages)
        if grown > 0:
            pages.extend([0] * grown)
        frames = self.frames
        refs = frames.refs
        copies = 0
        for i in range(first, first + n):
            f = pages[i]
            if not f:
                pages[i] = frames.new()
                if self.shared:
                    frames.shared_resident += 1
                else:
                    self.res += 1
            elif refs[f] > 1 and not self.shared:
                pages[i] = g = frames.new()          # the copy: this process's own page now
                if f in frames.values:
                    frames.values[g] = dict(frames.values[f])
                frames.drop(f)
                copies += 1
        return copies, max(grown, 0)

    def copy(self) -> Mapping:
        """fork: the same pages, each with one more user; a shared mapping keeps one list of them."""
        m = Mapping(self.addr, self.npages, self.perms, self.name)
        m.frames = self.frames
        m.res = self.res
        if self.shared:
            m.pages = self.pages
        else:
            m.pages = list(self.pages)
            refs = self.frames.refs
            for f in self.pages:
                if f:
                    refs[f] += 1
        return m

    def release(self) -> int:
        """munmap, exec or exit: let go of every page; returns the page slots freed."""
        if not self.shared:
            drop = self.frames.drop
            for f in self.pages:
                if f:
                    drop(f)
        n = 0 if self.shared else len(self.pages)      # a shared list's slots are counted once, when made
        self.pages = []
        self.res = 0
        return n


class Space:
    """What a process added to its image: regions, the stack's depth, the heap pages it wrote."""

    __slots__ = ("maps", "stack", "stack_res", "heap_res", "paid")

    def __init__(self) -> None:
        self.maps: list[Mapping] = []          # by address
        self.stack = STACK_PAGES               # the [stack] region's pages (it never shrinks)
        self.stack_res = 1
        self.heap_res = 0                      # heap pages written (touch writes a prefix)
        self.paid = -1                         # the fork whose page-table copy was paid (its pc)

    def find(self, addr: int) -> Mapping | None:
        for m in self.maps:
            if m.addr <= addr < m.end:
                return m
        return None

    def peek(self, addr: int):
        """The value a `poke` left at addr in this view (0 where nothing was stored); None: no region."""
        m = self.find(addr)
        if m is None:
            return None
        i = (addr - m.addr) // PAGE
        frame = m.pages[i] if i < len(m.pages) else 0
        return m.frames.values.get(frame, {}).get(addr % PAGE, 0)

    def place(self, npages: int) -> int:
        """Top-down, as arch_get_unmapped_area_topdown: the highest gap under mmap_base that fits."""
        top = MMAP_BASE
        size = npages * PAGE
        for m in reversed(self.maps):
            if m.end <= top - size:
                break
            top = min(top, m.addr)
        return top - size

    def add(self, m: Mapping) -> None:
        self.maps.append(m)
        self.maps.sort(key=lambda x: x.addr)

    def private_resident(self) -> int:
        """Resident pages fork must copy page-table entries for (private anonymous memory)."""
        return (self.heap_res + self.stack_res - 1
                + sum(m.resident() for m in self.maps if not m.shared))

    def copy(self) -> Space:
        s = Space()
        s.maps = [m.copy() for m in self.maps]
        s.stack, s.stack_res, s.heap_res = self.stack, self.stack_res, self.heap_res
        return s

    def slots(self) -> int:
        return sum(len(m.pages) for m in self.maps if not m.shared)

    def release(self) -> int:
        n = 0
        for m in self.maps:
            n += m.release()
        self.maps = []
        return n


def fork_copy(k, parent, child) -> None:
    """fork: the child's map is a copy of the parent's (its page tables count toward PTE_LIMIT)."""
    mm = parent.mm
    if mm is not None:
        n = mm.slots()
        k.mm_ptes += n
        k.nsteps += n >> 4         # 16 page-table entries copied count as one event toward max_events
        child.mm = mm.copy()


def release(k, p) -> None:
    """exec or exit: the regions go; an exec'd program starts again from the image."""
    if p.mm is not None:
        k.mm_ptes -= p.mm.release()
        p.mm = None
