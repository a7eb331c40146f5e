"""Memory: copy-on-write heap pages after fork, and mutexes that live in shared memory."""

from __future__ import annotations

from collections import deque


class Page:
    """One 4 KiB heap page; `refs` counts the processes whose page tables map it."""

    __slots__ = ("refs",)

    def __init__(self) -> None:
        self.refs = 1


def alloc(heap: list, pages: int) -> None:
    heap.extend(Page() for _ in range(pages))


def share(heap: list) -> list:
    """fork: the child maps the same pages; both sides are now write-protected."""
    for page in heap:
        page.refs += 1
    return list(heap)


def release(heap: list) -> None:
    """exec or exit: this address space lets go of every page."""
    for page in heap:
        page.refs -= 1
    heap.clear()


def touch(heap: list, pages: int) -> int:
    """Write to the first `pages` heap pages; returns how many had to be copied."""
    copies = 0
    for i in range(pages):
        page = heap[i]
        if page.refs > 1:
            page.refs -= 1
            heap[i] = Page()
            copies += 1
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
