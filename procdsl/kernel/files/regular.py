"""Regular files: an inode's bytes, owner, group, mode and link count, and the description open(2) makes on it."""

from __future__ import annotations

from procdsl.core.linux import ERRNO, O_APPEND
from procdsl.kernel.files.file import OpenFile

ENOSPC = ERRNO["ENOSPC"]


class Inode:
    """A regular file. Its data goes when the last link (a name in a directory) and the last open
    description on it are gone: an unlinked file stays readable through the fds still open on it."""

    __slots__ = ("ino", "data", "uid", "gid", "mode", "nlink", "opens")
    is_dir = False

    def __init__(self, ino: int, uid: int, gid: int, mode: int, data: bytes = b"") -> None:
        self.ino = ino
        self.data = bytearray(data)
        self.uid = uid
        self.gid = gid
        self.mode = mode
        self.nlink = 1
        self.opens = 0


class RegularFile(OpenFile):
    """A description open on a regular file: reads and writes at its offset, shared by dup and fork."""

    __slots__ = ("inode", "path")
    kind = "file"
    seekable = True

    def __init__(self, inode: Inode, flags: int, path: str) -> None:
        super().__init__(flags)
        self.inode = inode
        self.path = path            # the name it was opened by, for the trace
        inode.opens += 1

    def read(self, k, p, fd: int, n: int) -> bytes:
        """Up to n bytes from the offset: fewer at the end of the file, none past it."""
        pos = self.pos
        out = bytes(self.inode.data[pos:pos + n])
        self.pos = pos + len(out)
        k.emit(k.cpu_of(p), p.pid, "read", (fd, self.path, self.inode.ino, pos, len(out), len(self.inode.data)))
        return out

    def write(self, k, p, fd: int, data: bytes) -> int:
        """At the offset (at the end with O_APPEND, in the same step): a gap left by lseek reads as
        zero bytes. What the file system cannot hold is not written (ENOSPC once nothing fits)."""
        inode = self.inode
        buf = inode.data
        pos = len(buf) if self.flags & O_APPEND else self.pos
        n = min(len(data), k.fs.room(pos, len(buf)))
        if n <= 0:
            return -ENOSPC
        if n < len(data):
            data = data[:n]
        k.fs.used += max(0, pos + n - len(buf))
        if pos > len(buf):
            buf.extend(bytes(pos - len(buf)))
        buf[pos:pos + n] = data
        self.pos = pos + n
        k.emit(k.cpu_of(p), p.pid, "write", (fd, self.path, inode.ino, pos, n, len(buf),
                                             data.decode("utf-8", errors="surrogateescape")))
        return n

    def end(self) -> int:
        return len(self.inode.data)

    def inode_number(self) -> int:
        return self.inode.ino

    def release(self, k) -> None:
        inode = self.inode
        inode.opens -= 1
        if not inode.opens and not inode.nlink:
            k.fs.free(inode)

    def name(self) -> str:
        return self.path
