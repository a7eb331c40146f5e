"""The seeded draws an exercise is made of: integer draws only, so every Python version agrees."""

from __future__ import annotations

import random
from typing import Sequence, TypeVar

T = TypeVar("T")


class Draw:
    """random.Random(seed) behind the three draws generators may make.

    randrange and choice reduce to getrandbits on an integer seed, which CPython has kept
    stable across versions; random() and the float-based helpers are avoided on purpose."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def int(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi], both ends included."""
        return self._rng.randrange(lo, hi + 1)

    def pick(self, options: Sequence[T]) -> T:
        return self._rng.choice(tuple(options))

    def chance(self, percent: int) -> bool:
        return self._rng.randrange(100) < percent

    def distinct(self, n: int, options: Sequence[T]) -> list[T]:
        """n different items of options, in the order drawn."""
        pool = list(options)
        if n > len(pool):
            raise ValueError(f"cannot draw {n} distinct items from {len(pool)}")
        out = []
        for _ in range(n):
            out.append(pool.pop(self._rng.randrange(len(pool))))
        return out
