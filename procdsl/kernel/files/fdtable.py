"""A process's fd table (Linux's files_struct): the lowest free fd, a close-on-exec flag per fd,
and what fork, exec and exit do to it.

The table is `Proc.fds`, a list indexed by fd whose entries are open file descriptions or None,
and `Proc.cloexec`, a bit per fd. An fd holds one reference to its description; the description
is released when its last reference goes, which is when a pipe's readers see end of file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from procdsl.kernel.files.file import OpenFile

if TYPE_CHECKING:
    from procdsl.kernel.process import Proc

FD_LIMIT = 1024              # RLIMIT_NOFILE's usual soft limit: fds 0 to 1023


def get(p, fd: int) -> Optional[OpenFile]:
    fds = p.fds
    return fds[fd] if 0 <= fd < len(fds) else None


def lowest_free(p) -> int:
    """The fd open(2), pipe(2) and dup(2) would use; -1 when all FD_LIMIT are taken (EMFILE)."""
    fds = p.fds
    for i, entry in enumerate(fds):
        if entry is None:
            return i
    if len(fds) >= FD_LIMIT:
        return -1
    fds.append(None)
    return len(fds) - 1


def free_count(p) -> int:
    return sum(1 for entry in p.fds if entry is None) + FD_LIMIT - len(p.fds)


def install(p, fd: int, f: OpenFile, cloexec: bool = False) -> None:
    """Point fd (free, below FD_LIMIT) at f; the caller's reference to f becomes the fd's."""
    fds = p.fds
    while len(fds) <= fd:
        fds.append(None)
    fds[fd] = f
    if cloexec:
        p.cloexec |= 1 << fd
    elif p.cloexec:
        p.cloexec &= ~(1 << fd)


def drop(k, f: OpenFile) -> None:
    """One reference fewer; the last one releases the object (a pipe end, an unlinked file's data)."""
    f.refs -= 1
    if not f.refs:
        f.release(k)


def close(k, p, fd: int) -> bool:
    """close(2); False when fd was not open (EBADF)."""
    f = get(p, fd)
    if f is None:
        return False
    p.fds[fd] = None
    if p.cloexec:
        p.cloexec &= ~(1 << fd)
    drop(k, f)
    return True


def dup_onto(k, p, f: OpenFile, newfd: int) -> None:
    """dup2's second half: newfd refers to f, its close-on-exec flag clear; an open newfd is closed after."""
    f.refs += 1
    old = get(p, newfd)
    install(p, newfd, f)
    if old is not None:
        drop(k, old)


def fork_copy(parent: Proc, child: Proc) -> None:
    """The child's table is a copy of the parent's: the same descriptions, one more reference each."""
    fds = child.fds = list(parent.fds)
    child.cloexec = parent.cloexec
    for f in fds:
        if f is not None:
            f.refs += 1


def close_on_exec(k, p) -> list[int]:
    """exec closes every fd marked close-on-exec; the fds it closed, in order."""
    mask = p.cloexec
    closed = []
    fd = 0
    while mask:
        if mask & 1:
            close(k, p, fd)
            closed.append(fd)
        mask >>= 1
        fd += 1
    p.cloexec = 0
    return closed


def close_all(k: object, p: Proc) -> None:
    """At exit every fd is closed, in order."""
    for f in p.fds:
        if f is not None:
            f.refs -= 1                      # drop(), inline: every exit comes here
            if not f.refs:
                f.release(k)
    p.fds = []
    p.cloexec = 0
