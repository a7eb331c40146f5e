"""Memory: copy-on-write heap pages after fork, and mutexes that live in shared memory.

A heap is a list of segments `(region, start)`: the process maps pages `start..` of the
region. Pages are never tracked one by one. Since `touch` writes a prefix of the heap and
`alloc` appends, every process that maps a region maps a suffix of it, so a page's
reference count is the number of mappings that start at or before it, and the pages a
write must copy are those at or past the earliest start of the region's other mappings.
So fork costs one step per segment (not per page), and a write one step per segment it
crosses; a heap of 1 GiB forked 5,000 times is a few thousand small objects.
"""

from __future__ import annotations

from collections import deque
from heapq import heappop, heappush

NOWHERE = 1 << 62          # past the end of any region: no other mapping


class Region:
    """Pages allocated together; `starts` counts the mappings beginning at each page."""

    __slots__ = ("length", "users", "starts", "order")

    def __init__(self, length: int) -> None:
        self.length = length
        self.users = 1
        self.starts = {0: 1}
        self.order = [0]           # a heap of starts; entries whose count fell to 0 are skipped

    def map(self, start: int) -> None:
        self.users += 1
        n = self.starts.get(start, 0)
        self.starts[start] = n + 1
        if not n:
            heappush(self.order, start)

    def unmap(self, start: int) -> None:
        self.users -= 1
        n = self.starts[start] - 1
        if n:
            self.starts[start] = n
        else:
            del self.starts[start]

    def first_start(self) -> int:
        order, starts = self.order, self.starts
        while order and order[0] not in starts:
            heappop(order)
        return order[0] if order else NOWHERE


def size(heap: list) -> int:
    return sum(region.length - start for region, start in heap)


def alloc(heap: list, pages: int) -> None:
    if pages <= 0:
        return
    if heap and heap[-1][0].users == 1:     # the last region is this process's alone: grow it
        heap[-1][0].length += pages
    else:
        heap.append((Region(pages), 0))


def share(heap: list) -> list:
    """fork: the child maps the same pages; both sides are now write-protected."""
    for region, start in heap:
        region.map(start)
    return list(heap)


def release(heap: list) -> None:
    """exec or exit: this address space lets go of every page."""
    for region, start in heap:
        region.unmap(start)
    heap.clear()


def touch(heap: list, pages: int) -> int:
    """Write to the first `pages` heap pages; returns how many had to be copied."""
    if pages <= 0:
        return 0
    first = heap[0]
    if first[0].users == 1 and first[0].length - first[1] >= pages:
        return 0                            # private already: written in place
    copies = 0
    left = pages
    dropped = 0                             # leading segments written in full
    for region, start in heap:
        n = min(left, region.length - start)
        left -= n
        region.unmap(start)
        # every page from the earliest other mapping on is shared, and is copied; the pages
        # before it were this process's alone and simply become part of its private copy
        copies += max(0, start + n - max(start, region.first_start()))
        if start + n < region.length:
            region.map(start + n)
            heap[dropped] = (region, start + n)
            break
        dropped += 1
        if not left:
            break
    heap[:dropped] = [(Region(pages), 0)]
    return copies


class Mutex:
    """A process-shared mutex; waiters sleep on it (futex wait) and retry when woken.

    `kind` is the pthread mutex type: "normal" (glibc's default: no owner checks, so the
    owner relocking waits for itself and anyone may unlock), "errorcheck" or "recursive"
    (`count` locks by its owner)."""

    __slots__ = ("id", "owner", "waiters", "kind", "count")

    def __init__(self, mutex_id: int, kind: str = "normal") -> None:
        self.id = mutex_id
        self.owner = None
        self.waiters: deque = deque()
        self.kind = kind
        self.count = 0

    def __str__(self) -> str:
        return f"mutex#{self.id}"
