"""The queue of `fifo { io_run_immediate 1 }`: tasks by creation order, so that process-run's
next-in-turn (the first task created after the one that ran last, wrapping around) is a bisection."""

from __future__ import annotations

from typing import Iterator

from sortedcontainers import SortedList

from procdsl.kernel.process import Proc


class TurnQueue:
    """The part of a deque's interface Fifo uses, ordered by `Proc.born` (unique, so a task
    itself is never compared)."""

    __slots__ = ("tasks",)

    def __init__(self) -> None:
        self.tasks = SortedList()

    def append(self, p: Proc) -> None:
        self.tasks.add((p.born, p))

    def appendleft(self, p: Proc) -> None:
        """As append: the place is the task's turn; who runs first is the policy's."""
        self.tasks.add((p.born, p))

    def remove(self, p: Proc) -> None:
        self.tasks.remove((p.born, p))

    def popleft(self) -> Proc:
        return self.tasks.pop(0)[1]

    def next_after(self, seq: int) -> Proc:
        """The first task created after `seq`, else the oldest (the queue is not empty)."""
        i = self.tasks.bisect_left((seq + 1,))
        return self.tasks[i if i < len(self.tasks) else 0][1]

    def __contains__(self, p: Proc) -> bool:
        return (p.born, p) in self.tasks

    def __len__(self) -> int:
        return len(self.tasks)

    def __iter__(self) -> Iterator[Proc]:
        return (p for _, p in self.tasks)

    def __reversed__(self) -> Iterator[Proc]:
        return (p for _, p in reversed(self.tasks))
