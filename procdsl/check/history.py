"""Values that change over time (a process's state, its output), read at any instant with a binary search."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
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


class OutputLog(list):
    """(time, text) pairs in the order written, with the offsets that make output at an instant a
    prefix of the whole text, and a substring's first appearance a binary search."""

    __slots__ = ("times", "ends", "_text", "_firsts")

    def __init__(self) -> None:
        super().__init__()
        self.times: list[int] = []
        self.ends: list[int] = []
        self._text = ""
        self._firsts: dict[str, Optional[int]] = {}

    def append(self, item: tuple[int, str]) -> None:
        super().append(item)
        self.times.append(item[0])
        self.ends.append((self.ends[-1] if self.ends else 0) + len(item[1]))

    def text(self) -> str:
        if len(self._text) != (self.ends[-1] if self.ends else 0):
            self._text = "".join(text for _, text in self)
            self._firsts.clear()
        return self._text

    def at(self, t: int) -> str:
        n = bisect_right(self.times, t)
        return self.text()[:self.ends[n - 1]] if n else ""

    def contains_at(self, needle: str, t: int) -> bool:
        """`needle in self.at(t)`, without building the output at t."""
        text = self.text()
        first = self._firsts.get(needle, -1)
        if first == -1:
            i = text.find(needle)
            # the instant the first occurrence is complete: it lies in the text that ends at or after it
            first = None if i < 0 else self.times[bisect_left(self.ends, i + len(needle))] if needle else -(1 << 62)
            self._firsts[needle] = first
        return first is not None and t >= first


class Covered:
    """Intervals (start, end) in time order, none overlapping, with the length of those before each:
    how much of the time before t they cover, by a binary search instead of a sum over all of them."""

    __slots__ = ("starts", "ends", "before", "ordered")

    def __init__(self, intervals) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.before: list[int] = []
        self.ordered = True
        total = 0
        for start, end in intervals:
            if self.ends and start < self.ends[-1]:
                self.ordered = False       # a run begun inside a switch's cost: summed the long way
            self.starts.append(start)
            self.ends.append(end)
            self.before.append(total)
            total += end - start

    def until(self, t: int) -> int:
        """The sum of min(end, t) - start over the intervals that start before t."""
        if not self.ordered:
            return sum(min(end, t) - start for start, end in zip(self.starts, self.ends) if start < t)
        i = bisect_left(self.starts, t) - 1
        return self.before[i] + min(self.ends[i], t) - self.starts[i] if i >= 0 else 0
