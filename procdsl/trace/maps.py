"""The memory map's events in words, and a map as `pmap` and /proc/PID/maps print it."""

from __future__ import annotations

from typing import Iterable

from procdsl.core.memmap import PAGE

MEMORY_KINDS = frozenset(("mmap", "munmap", "brk", "stack", "resident", "segv"))


def kib(pages: int) -> str:
    return f"{pages * PAGE // 1024}K"


def _what(path: str) -> str:
    return f'"{path}"' if path else "anonymous"


def _span(d: tuple) -> str:
    return f"{d[0]:#x}-{d[0] + d[1] * PAGE:#x}"


# kind -> its detail in words
_WORDS = {
    "mmap": lambda d: f"mmap {_span(d)} {d[2]} {_what(d[3])} ({kib(d[1])})",
    "munmap": lambda d: f"munmap {_span(d)} ({kib(d[1])})",
    "brk": lambda d: f"brk -> {d[0]:#x} (heap {kib(d[1])})",
    "stack": lambda d: f"stack grows to {kib(d[1])} from {d[0]:#x} ({kib(d[2])} in use)",
    "resident": lambda d: f"region {d[0]:#x}: {kib(d[1])} resident",
    "segv": lambda d: f"segmentation fault at {d[0]:#x}: {d[1]}",
}


def describe_memory(k: str, d: tuple) -> str:
    return _WORDS[k](d)


def maps_lines(regions: Iterable[tuple]) -> list[str]:
    """/proc/PID/maps: `start-end perms offset dev inode name`, procdsl's devices and inodes left 0."""
    return [f"{r[0]:012x}-{r[0] + r[1] * PAGE:012x} {r[3]} 00000000 00:00 0 {r[4]}".rstrip() for r in regions]


def pmap_lines(title: str, regions: Iterable[tuple]) -> list[str]:
    """pmap -x: address, size, RSS, mode, mapping; a total line."""
    regions = list(regions)
    out = [title, f"{'Address':<16} {'Kbytes':>8} {'RSS':>8} Mode  Mapping"]
    for r in regions:
        out.append(f"{r[0]:016x} {r[1] * PAGE // 1024:>8} {r[2] * PAGE // 1024:>8} {r[3]}  {r[4] or '[ anon ]'}")
    total = sum(r[1] for r in regions) * PAGE // 1024
    rss = sum(r[2] for r in regions) * PAGE // 1024
    out.append(f"{'total kB':<16} {total:>8} {rss:>8}")
    return out
