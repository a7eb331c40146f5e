"""The open file description (Linux's struct file): what an fd points to, shared by dup, dup2 and fork."""

from __future__ import annotations

from procdsl.core.linux import O_ACCMODE, O_RDONLY, O_WRONLY


class OpenFile:
    """Status flags, an offset and a count of the fds that refer to it; each kind of object
    subclasses it with its operations. A kind answers a call it has no meaning for as Linux's
    default file operations do."""

    __slots__ = ("refs", "flags", "pos", "readable", "writable")
    kind = "file"            # how the trace names the kind of object
    seekable = False         # lseek on a pipe or terminal: ESPIPE
    text = False             # write() takes text (the terminal), not bytes

    def __init__(self, flags: int) -> None:
        self.refs = 1
        self.flags = flags
        self.pos = 0
        self.readable = (flags & O_ACCMODE) != O_WRONLY      # the access mode never changes
        self.writable = (flags & O_ACCMODE) != O_RDONLY

    # The kind's operations, as the system-call layer (ops_io) calls them once the fd and its
    # access mode are checked. read(k, p, fd, n) -> bytes (b"" at end of file), None when p
    # sleeps (the call runs again when it wakes), or -errno; write(k, p, fd, data, text) -> the
    # bytes taken (fewer when p sleeps for room or the file system is full) or -errno, where
    # `text` is the str data was encoded from, when the call starts with it.

    def end(self) -> int:
        """Where SEEK_END counts from."""
        return 0

    def inode_number(self) -> int:
        return 0

    def release(self, k) -> None:
        """The last fd referring to this description was closed."""

    def name(self) -> str:
        """How messages and the trace name the object behind the description."""
        return self.kind

    def poll_mask(self) -> int:
        """What poll(2) finds ready: DEFAULT_POLLMASK (a regular file, a directory, the terminal
        at end of file are always readable and writable)."""
        return 0x5

    def poll_wait(self, table: list, events: int) -> None:
        """Add the wait lists whose wake-ups may change poll_mask for these events (none here)."""
