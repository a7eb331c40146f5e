"""What one value may hold, and the checks that keep every value within it.

64-bit integers as in C, finite decimals, strings and lists big enough for any teaching
scenario: a runaway (`x = x + x` in a loop) faults instead of eating the host's memory. A
list counts the items of the lists inside it, each time it holds one, so comparing, hashing
or printing any value takes at most about LIST_LIMIT steps, and lists nest far less deep
than Python's recursion limit.
"""

from __future__ import annotations

import math
from typing import Any

from procdsl.core.show import SHOW_LIMIT

INT_LIMIT = 1 << 63
STR_LIMIT = SHOW_LIMIT
LIST_LIMIT = 100_000
LIST_DEPTH = 100


def past_bound(v: Any) -> str | None:
    """Why a string, list or decimal is past its bound, or None when it is within it."""
    if isinstance(v, str):
        if len(v) > STR_LIMIT:
            return f"a string longer than {STR_LIMIT} characters"
    elif isinstance(v, tuple):
        if len(v) > LIST_LIMIT:
            return f"a list longer than {LIST_LIMIT} items"
        items, depth = list_measure(v)
        if items > LIST_LIMIT:
            return f"a list holding more than {LIST_LIMIT} items, counting those of the lists inside it"
        if depth > LIST_DEPTH:
            return f"lists nested more than {LIST_DEPTH} deep"
    elif isinstance(v, float) and not math.isfinite(v):
        return "decimal overflow: decimals are 64-bit floating point"
    return None


def list_measure(v: tuple, memo: dict | None = None) -> tuple[int, int]:
    """(items, depth) of a list: its items and those of every list inside it, and how deep
    lists nest. A list held many times is measured once (`memo`), and counting stops past
    LIST_LIMIT, so measuring costs at most about LIST_LIMIT steps."""
    items, depth = len(v), 1
    if items > LIST_LIMIT or tuple not in map(type, v):
        return items, depth
    memo = {} if memo is None else memo
    for c in v:
        if type(c) is tuple:
            hit = memo.get(id(c))
            if hit is None:
                hit = memo[id(c)] = list_measure(c, memo)
            items += hit[0]
            depth = max(depth, hit[1] + 1)
            if items > LIST_LIMIT:
                break
    return items, depth


def without(a: tuple, drop: tuple) -> tuple:
    """`a - drop`: a's items, in order, less every one equal to an item of `drop`.

    One hash set instead of a scan of `drop` per item: linear, not 10^10 comparisons for two
    100,000-item lists. Equal values hash alike (1, 1.0 and true too), so the result is the
    one comparing every pair gives."""
    try:
        gone = frozenset(drop)
    except TypeError:               # an item with no hash: compare pairs
        return tuple(x for x in a if x not in drop)
    return tuple(x for x in a if x not in gone)
