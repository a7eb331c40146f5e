"""Pipes as Linux has them: 16 page-sized slots, PIPE_BUF atomic writes, EOF and EPIPE when the last end closes."""

from __future__ import annotations

from collections import deque

from procdsl.core.events import NO_PID
from procdsl.core.linux import ERRNO, O_RDONLY, O_WRONLY, PIPE_BUF, PIPE_SLOTS, SIGPIPE
from procdsl.kernel import signals
from procdsl.kernel.files.file import OpenFile
from procdsl.kernel.process import SLEEPING

PAGE = 4096
EPIPE = ERRNO["EPIPE"]


class Pipe:
    """The pipe itself (Linux's pipe_inode_info): its bytes, its slots, and how many ends are open."""

    __slots__ = ("id", "data", "slots", "head", "readers", "writers", "read_waiters", "write_waiters")

    def __init__(self, pipe_id: int) -> None:
        self.id = pipe_id
        self.data = bytearray()
        # where each slot's bytes end in its page; the first slot's first `head` bytes are read
        # already (pipe_buffer's offset), so a small write merges only into the room left after them
        self.slots: deque[int] = deque()
        self.head = 0
        self.readers = 0         # open read descriptions (fds made by dup and fork share one)
        self.writers = 0
        self.read_waiters: list = []
        self.write_waiters: list = []

    def put(self, buf: bytes) -> int:
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

    def take(self, n: int) -> bytes:
        """The first n bytes (all when n covers them); a slot read to its end is freed."""
        data = self.data
        if n >= len(data):
            out = bytes(data)
            data.clear()
            self.slots.clear()
            self.head = 0
            return out
        out = bytes(data[:n])
        del data[:n]
        slots = self.slots
        while n:
            left = slots[0] - self.head
            if n < left:
                self.head += n
                break
            n -= left
            slots.popleft()
            self.head = 0
        return out

    def __str__(self) -> str:
        return f"pipe#{self.id}"


class PipeEnd(OpenFile):
    """One end of a pipe: the description pipe(2) makes for it (read end O_RDONLY, write end O_WRONLY)."""

    __slots__ = ("pipe", "writing")
    kind = "pipe"

    def __init__(self, pipe: Pipe, writing: bool) -> None:
        super().__init__(O_WRONLY if writing else O_RDONLY)
        self.pipe = pipe
        self.writing = writing
        if writing:
            pipe.writers += 1
        else:
            pipe.readers += 1

    def read(self, k, p, fd: int, n: int) -> bytes | None:
        """Up to n of the bytes in the pipe, b"" at end of file (no write end left), None when p sleeps."""
        pipe = self.pipe
        if pipe.data:
            slots = len(pipe.slots)
            out = pipe.take(n)
            k.emit(k.cpu_of(p), p.pid, "read", (fd, "pipe", pipe.id, len(out), len(pipe.data), -1))
            if len(pipe.slots) < slots:              # a slot freed: a writer may fit now
                k.wake_all(pipe.write_waiters, "room in ", pipe)
            return out
        if pipe.writers == 0:
            k.emit(k.cpu_of(p), p.pid, "read", (fd, "pipe", pipe.id, 0, 0, -1))      # end of file
            return b""
        pipe.read_waiters.append(p)
        k.block(p, SLEEPING, "read", pipe, _read_empty)
        return None

    def write(self, k, p, fd: int, data: bytes, text: str | None = None) -> int:
        """pipe_write: the bytes taken now; fewer than asked when p sleeps for room (the caller
        writes the rest when woken); -EPIPE, with SIGPIPE raised, when no read end is open."""
        pipe = self.pipe
        if pipe.readers == 0:
            signals.generate(k, p, SIGPIPE, sender=NO_PID, source="kernel")
            return -EPIPE
        n = pipe.put(data)
        if n:
            k.emit(k.cpu_of(p), p.pid, "write", (fd, "pipe", pipe.id, n, len(pipe.data), -1, ""))
            k.wake_all(pipe.read_waiters, "data in ", pipe)
        if n < len(data):
            pipe.write_waiters.append(p)
            k.block(p, SLEEPING, "write", pipe, _write_full)
        return n

    def release(self, k) -> None:
        pipe = self.pipe
        if self.writing:
            pipe.writers -= 1
            if pipe.writers == 0:
                k.wake_all(pipe.read_waiters, "end of file")
        else:
            pipe.readers -= 1
            if pipe.readers == 0:
                k.wake_all(pipe.write_waiters, "no readers left")

    def name(self) -> str:
        return f"{self.pipe} {'write' if self.writing else 'read'} end"

    def poll_mask(self) -> int:
        """pipe_poll: the read end POLLIN with data, POLLHUP with no writer left; the write end
        POLLOUT while a slot is free, POLLERR with no reader left."""
        pipe = self.pipe
        if self.writing:
            return (0x4 if len(pipe.slots) < PIPE_SLOTS else 0) | (0x8 if not pipe.readers else 0)
        return (0x1 if pipe.data else 0) | (0x10 if not pipe.writers else 0)

    def poll_wait(self, table: list, events: int) -> None:
        table.append(self.pipe.write_waiters if self.writing else self.pipe.read_waiters)


def new_pipe(k) -> tuple[PipeEnd, PipeEnd]:
    """pipe(2): a pipe and its two descriptions, each held once by the caller."""
    k.next_pipe += 1
    pipe = Pipe(k.next_pipe)
    return PipeEnd(pipe, False), PipeEnd(pipe, True)


# the trace's words for a wait, formatted only if the block record is kept (RunQueues.block)
def _read_empty(p) -> str:
    return f"read from {p.wait_on} (empty)"


def _write_full(p) -> str:
    return f"write to {p.wait_on} (full)"
