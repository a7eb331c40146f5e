"""The address space every program starts with, and the names of its regions, as /proc/PID/maps shows them.

The kernel and the checker both start a process (spawn, exec) from this image and learn the
rest from events, so the image itself never needs an event. The layout is that of a small
non-PIE x86-64 program run without address-space randomisation (`setarch -R`): text from
0x400000, then data, bss and the heap's start (the break); the stack's top just under
0x7ffffffff000, and mmap placing new regions top-down under the stack's reserved gap.
"""

from __future__ import annotations

PAGE = 4096
TEXT_START = 0x400000
TEXT_PAGES, DATA_PAGES, BSS_PAGES = 2, 1, 1
HEAP_START = TEXT_START + (TEXT_PAGES + DATA_PAGES + BSS_PAGES) * PAGE
STACK_TOP = 0x7FFFFFFFF000
STACK_PAGES = 33                 # 132 KiB: the [stack] a fresh process shows (docs/evidence/mem_stack_fork.txt)
STACK_LIMIT = 2048               # pages: RLIMIT_STACK's usual 8 MiB (ulimit -s 8192)
STACK_GAP = 256 << 20            # mmap_base sits this far below the stack (mm/util.c's minimum gap, 128 MiB, rounded)
MMAP_BASE = STACK_TOP - STACK_GAP
IMAGE_RESIDENT = 4               # one text page, the data page and one stack page are in memory at start; bss is not

HEAP, STACK = "[heap]", "[stack]"


def image(program: str) -> list[list]:
    """The regions a program starts with: [start, pages, resident, perms, name], by address."""
    binary = f"/bin/{program}"
    return [[TEXT_START, TEXT_PAGES, 2, "r-xp", binary],
            [TEXT_START + TEXT_PAGES * PAGE, DATA_PAGES, 1, "rw-p", binary],
            [TEXT_START + (TEXT_PAGES + DATA_PAGES) * PAGE, BSS_PAGES, 0, "rw-p", ""],
            [HEAP_START, 0, 0, "rw-p", HEAP],
            [STACK_TOP - STACK_PAGES * PAGE, STACK_PAGES, 1, "rw-p", STACK]]
