"""How a value reads in print and interpolation: its text, cut at a bounded number of characters."""

from __future__ import annotations

from typing import Any

# A printed or interpolated value is at most as long as the longest string a program can
# hold; a fault message quotes a value in far fewer characters.
SHOW_LIMIT = 1 << 20
BRIEF_LIMIT = 80


def show(v: Any, limit: int = SHOW_LIMIT) -> str:
    """The value's text, at most about `limit` characters: a longer one ends `… (N more)`.

    A list is written without recursion, item by item, and stops once the text is full: a
    list that holds itself 40 levels deep (2^40 items to write) costs no more than a short
    one. N counts what was left out: characters of a string, items of a list (those of the
    lists around the cut included)."""
    if type(v) is str:
        return v if len(v) <= limit else v[:limit] + _more(len(v) - limit)
    if isinstance(v, tuple):
        return _show_list(v, limit)
    return _scalar(v)


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _more(n: int) -> str:
    return f"… ({n:,} more)"


def _show_list(v: tuple, limit: int) -> str:
    out = ["["]
    used = 2                       # the "[" and its "]"
    stack: list[list] = [[v, 0]]   # each open list and the index of its next item
    while stack:
        top = stack[-1]
        seq, i = top
        if i == len(seq):
            stack.pop()
            out.append("]")
            continue
        sep = ", " if i else ""
        item = seq[i]
        if isinstance(item, tuple):
            if used + len(sep) + 2 > limit:
                break
            out.append(sep + "[")
            used += len(sep) + 2
            top[1] = i + 1
            stack.append([item, 0])
            continue
        text = item if type(item) is str else _scalar(item)
        if used + len(sep) + len(text) > limit:
            break
        out.append(sep + text)
        used += len(sep) + len(text)
        top[1] = i + 1
    else:
        return "".join(out)
    left = sum(len(seq) - i for seq, i in stack)
    out.append((", " if stack[-1][1] else "") + _more(left) + "]" * len(stack))
    return "".join(out)
