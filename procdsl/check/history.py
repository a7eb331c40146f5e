"""A value that changes over time, read at any instant with a binary search."""

from __future__ import annotations

from bisect import bisect_right
from typing import Optional


class History:
    """A value that changes over time: the value at t is the last one set at or before t."""

    __slots__ = ("times", "values")

    def __init__(self, t: int, value) -> None:
        self.times = [t]
        self.values = [value]

    def set(self, t: int, value) -> None:
        if self.times[-1] == t:
            self.values[-1] = value
        else:
            self.times.append(t)
            self.values.append(value)

    def at(self, t: int):
        i = bisect_right(self.times, t) - 1
        return self.values[i] if i >= 0 else None

    def first_time(self, value) -> Optional[int]:
        for t, v in zip(self.times, self.values):
            if v == value:
                return t
        return None
