"""The C library's stdio in a process: the buffers between a program and read(2)/write(2).

They are user-space memory, so fork copies them and exec throws them away.
"""

from __future__ import annotations


class LineBuffer:
    """What `for line in FD` has read from FD but not yet given out (fgets's buffer).

    `scanned` is how far the search for a newline has already gone, so a writer that sends
    bytes without a newline costs each byte one look, not one per read."""

    __slots__ = ("data", "scanned")

    def __init__(self) -> None:
        self.data = bytearray()
        self.scanned = 0

    def copy(self) -> LineBuffer:
        other = LineBuffer()
        other.data = bytearray(self.data)
        other.scanned = self.scanned
        return other


def copy_line_buffers(buffers: dict) -> dict:
    return {fd: lb.copy() for fd, lb in buffers.items()} if buffers else {}
