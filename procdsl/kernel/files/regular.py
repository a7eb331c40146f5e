"""Regular files: an inode's bytes, owner, group, mode and link count, and the description open(2) makes on it."""

from __future__ import annotations

from procdsl.core.linux import ERRNO, FS_CAPACITY, O_APPEND
from procdsl.kernel.files.file import OpenFile

ENOSPC = ERRNO["ENOSPC"]


class Inode:
    """A regular file. Its data goes when the last link (a name in a directory) and the last open
    description on it are gone: an unlinked file stays readable through the fds still open on it."""

    __slots__ = ("ino", "data", "uid", "gid", "mode", "nlink", "opens", "program")
    is_dir = False

    def __init__(self, ino: int, uid: int, gid: int, mode: int, data: bytes = b"") -> None:
        self.ino = ino
        self.data = bytearray(data)
        self.uid = uid
        self.gid = gid
        self.mode = mode
        self.nlink = 1
        self.opens = 0
        self.program: str | None = None     # the program of the file it holds (`program` in `files`)


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
        k.emit(k.cpu_of(p), p.pid, "read", (fd, "file", self.inode.ino, len(out), len(self.inode.data), pos))
        return out

    def write(self, k, p, fd: int, data: bytes, text: str | None = None) -> int:
        """At the offset (at the end with O_APPEND, in the same step): a gap left by lseek reads as
        zero bytes. What the file system cannot hold is not written (ENOSPC once nothing fits)."""
        inode = self.inode
        buf = inode.data
        size = len(buf)
        pos = size if self.flags & O_APPEND else self.pos
        fs = k.fs
        n = len(data)
        room = FS_CAPACITY - fs.used - (pos - size if pos > size else 0)
        if n > room:
            if room <= 0:
                return -ENOSPC
            n, data, text = room, data[:room], None
        if pos + n > size:
            fs.used += pos + n - size
            if pos > size:
                buf.extend(bytes(pos - size))
        buf[pos:pos + n] = data
        self.pos = pos + n
        if text is None:
            text = data.decode("utf-8", errors="surrogateescape")
        k.emit(k.cpu_of(p), p.pid, "write", (fd, "file", inode.ino, n, len(buf), pos, text))
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
