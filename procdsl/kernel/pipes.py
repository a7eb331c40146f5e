"""Pipes as Linux has them: 16 page-sized slots, PIPE_BUF atomic writes, EOF and EPIPE by refcount."""

from __future__ import annotations

from collections import deque

from procdsl.core.linux import PIPE_BUF, PIPE_SLOTS

PAGE = 4096


class Pipe:
    __slots__ = ("id", "data", "slots", "readers", "writers", "read_waiters", "write_waiters")

    def __init__(self, pipe_id: int) -> None:
        self.id = pipe_id
        self.data = bytearray()
        self.slots: deque[int] = deque()
        self.readers = 0
        self.writers = 0
        self.read_waiters: list = []
        self.write_waiters: list = []

    def write(self, buf: bytes) -> int:
        """Bytes accepted now: all of a small write or none (atomic); as much as fits of a large one."""
        n = len(buf)
        slots = self.slots
        if n <= PIPE_BUF:
            if slots and slots[-1] + n <= PAGE:
                slots[-1] += n
            elif len(slots) < PIPE_SLOTS:
                slots.append(n)
            else:
                return 0
            self.data += buf
            return n
        taken = 0
        while taken < n and len(slots) < PIPE_SLOTS:
            chunk = min(PAGE, n - taken)
            slots.append(chunk)
            taken += chunk
        self.data += buf[:taken]
        return taken

    def read_all(self) -> bytes:
        out = bytes(self.data)
        self.data.clear()
        self.slots.clear()
        return out

    def __str__(self) -> str:
        return f"pipe#{self.id}"


class End:
    """One end of a pipe as a descriptor sees it: an open file description."""

    __slots__ = ("pipe", "writing")

    def __init__(self, pipe: Pipe, writing: bool) -> None:
        self.pipe = pipe
        self.writing = writing

    def __str__(self) -> str:
        return f"{self.pipe} {'write' if self.writing else 'read'} end"


class Terminal:
    """The machine's terminal: writes become `output`; reads see end of file (no one types)."""

    __slots__ = ()

    def __str__(self) -> str:
        return "terminal"


TERMINAL = Terminal()
