"""The C library's stdio in a process: the buffers between a program and read(2)/write(2).

They are user-space memory, so fork copies them and exec throws them away.
"""

from __future__ import annotations

from procdsl.core.linux import STDIO_BUFSIZ, STDIO_TTY_BUFSIZ


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


class Stream:
    """A FILE on an fd (stdout, or one fprintf made for another fd), as glibc 2.36 buffers it.

    Whether it is line-buffered (a terminal: 1024 bytes) or fully buffered (anything else: 4096)
    is decided at its first output, when glibc allocates the buffer, and kept after that even
    if the fd is redirected. `put` returns the write(2) calls fputs makes, in order
    (_IO_new_file_xsputn: fill the buffer, flush it, write whole blocks directly, buffer the
    rest), so the trace shows each write(2) as strace does (docs/evidence/stdio_buffer.txt)."""

    __slots__ = ("fd", "buf", "size", "line", "allocated")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buf = bytearray()
        self.size = 0
        self.line = False
        self.allocated = False

    def copy(self) -> Stream:
        other = Stream(self.fd)
        other.buf = bytearray(self.buf)
        other.size, other.line, other.allocated = self.size, self.line, self.allocated
        return other

    def put(self, data: bytes, tty: bool) -> list[bytes]:
        """fputs(data): the writes it makes now; `tty` says whether the fd is a terminal, looked at
        only if this is the first output."""
        out: list[bytes] = []
        n = len(data)
        if not n:
            return out
        buf = self.buf
        count = 0
        must_flush = False
        if self.allocated:
            count = self.size - len(buf)
            if self.line and count >= n:
                i = data.rfind(b"\n")
                if i >= 0:
                    count = i + 1
                    must_flush = True
        if count:
            count = min(count, n)
            buf += data[:count]
        rest = n - count
        if rest or must_flush:
            if self.allocated:
                self._flush_into(out)
            else:
                self.allocated = True
                self.line = tty
                self.size = STDIO_TTY_BUFSIZ if tty else STDIO_BUFSIZ
            direct = rest - rest % self.size
            if direct:
                out.append(data[count:count + direct])
            if rest > direct:
                self._default_put(data[count + direct:], out)
        return out

    def _default_put(self, data: bytes, out: list[bytes]) -> None:
        """_IO_default_xsputn: a full buffer is flushed before the next byte goes in; on a
        line-buffered stream every newline flushes too."""
        buf = self.buf
        if not self.line:
            buf += data                          # it fits: `put` wrote the whole blocks already
            return
        start = 0
        while start < len(data):
            room = self.size - len(buf)
            if not room:
                self._flush_into(out)
                room = self.size
            nl = data.find(b"\n", start, start + room)
            end = nl + 1 if nl >= 0 else min(len(data), start + room)
            buf += data[start:end]
            start = end
            if nl >= 0:
                self._flush_into(out)

    def _flush_into(self, out: list[bytes]) -> None:
        if self.buf:
            out.append(bytes(self.buf))
            self.buf.clear()

    def flush(self) -> list[bytes]:
        out: list[bytes] = []
        self._flush_into(out)
        return out


def copy_streams(streams: list | None) -> list | None:
    return [s.copy() for s in streams] if streams else None


def stream_for(p, fd: int) -> Stream:
    """The stream printf (fd 1) or fprintf uses for fd, made at its first use."""
    streams = p.stdio
    if streams is None:
        streams = p.stdio = []
    for s in streams:
        if s.fd == fd:
            return s
    s = Stream(fd)
    streams.append(s)
    return s


def flush_order(streams: list) -> list[Stream]:
    """_IO_flush_all's order at exit and fflush(NULL): the newest stream first, stdout last
    (glibc links stdout at start-up and every later stream in front of it)."""
    return sorted(reversed(streams), key=lambda s: s.fd == 1)
