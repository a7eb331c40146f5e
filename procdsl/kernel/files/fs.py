"""The in-memory file system a scenario declares: path lookup with permission checks, open(2), unlink(2).

Every scenario starts with / (root, 755) and /tmp (root, 1777: anyone may create files there,
and only a file's owner may remove it); the `files` block adds files and directories, and a
parent it does not declare is made as root 755. Nothing is on a disk: there is no page cache,
no block size beyond stdio's, and the data of every file counts against one capacity.
"""

from __future__ import annotations

from typing import Union

from procdsl.core.linux import (
    BASE_DIRS,
    ERRNO,
    FS_MAX_INODES,
    NAME_MAX,
    O_ACCMODE,
    O_CREAT,
    O_EXCL,
    O_RDONLY,
    O_TRUNC,
    PATH_MAX,
    UMASK,
)
from procdsl.kernel.files.directory import Directory, DirectoryFile
from procdsl.kernel.files.file import OpenFile
from procdsl.kernel.files.regular import Inode, RegularFile

ENOENT, EACCES, EEXIST, ENOTDIR, EISDIR, ENOSPC, EPERM, ENAMETOOLONG = (ERRNO[n] for n in (
    "ENOENT", "EACCES", "EEXIST", "ENOTDIR", "EISDIR", "ENOSPC", "EPERM", "ENAMETOOLONG"))
ENXIO = ERRNO["ENXIO"]
R, W, X = 4, 2, 1
STICKY = 0o1000

Node = Union[Inode, Directory]


def may(node: Node, p, want: int) -> bool:
    """generic_permission: root reads, writes and searches anything; others get the owner's,
    the group's or everyone's bits, whichever class they are in first. A process's group is
    the one numbered like its uid (one user, one group)."""
    if p.uid == 0:
        return True
    if p.uid == node.uid:
        bits = node.mode >> 6
    elif p.uid == node.gid:
        bits = node.mode >> 3
    else:
        bits = node.mode
    return bits & want == want


class FileSystem:
    __slots__ = ("root", "next_ino", "inodes", "used")

    def __init__(self) -> None:
        self.next_ino = 0
        self.inodes = 0
        self.used = 0                # bytes of file data held
        self.root = Directory(self._ino(), 0, 0, BASE_DIRS["/"], None)
        for path, mode in BASE_DIRS.items():
            if path != "/":
                self.root.entries[path.lstrip("/")] = Directory(self._ino(), 0, 0, mode, self.root)

    def _ino(self) -> int:
        self.next_ino += 1
        self.inodes += 1
        return self.next_ino

    # ------------------------------------------------------------------ declared at the start
    def declare(self, path: str, is_dir: bool, text: str, owner: int, group: int, mode: int) -> list[tuple]:
        """Add one entry of the `files` block (the front end checked the path); the `inode` events
        it makes: each parent it had to create, then the entry itself."""
        made = []
        cur = self.root
        parts = [c for c in path.split("/") if c]
        for i, name in enumerate(parts):
            last = i == len(parts) - 1
            node = cur.entries.get(name)
            here = "/" + "/".join(parts[:i + 1])
            if last and node is not None:
                node.uid, node.gid, node.mode = owner, group, mode        # a parent made earlier, now declared
                if not is_dir:
                    self.used += len(text.encode()) - len(node.data)
                    node.data[:] = text.encode()
                made.append(_announce(here, node))
            elif last:
                if is_dir:
                    node = Directory(self._ino(), owner, group, mode, cur)
                else:
                    node = Inode(self._ino(), owner, group, mode, text.encode())
                    self.used += len(node.data)
                cur.entries[name] = node
                made.append(_announce(here, node))
            elif node is None:
                node = cur.entries[name] = Directory(self._ino(), 0, 0, 0o755, cur)
                made.append(_announce(here, node))
            cur = node
        return made

    # ------------------------------------------------------------------ lookup
    def resolve(self, p, path: str) -> Union[int, tuple[Directory, str, Node | None]]:
        """path_lookupat: (the parent directory, the last name, what it names or None), or an errno.

        Every directory on the way must be searchable (EACCES), a directory (ENOTDIR) and exist
        (ENOENT). There is no working directory: a relative path starts at /."""
        if not path:
            return ENOENT
        if len(path) >= PATH_MAX:
            return ENAMETOOLONG
        parts = [c for c in path.split("/") if c and c != "."]
        if path.endswith("/") and parts:
            parts[-1] += "/"                      # a trailing slash: it must be a directory
        cur = self.root
        if not parts:
            return cur.parent, ".", cur
        for name in parts[:-1]:
            cur = self._step(p, cur, name)
            if type(cur) is int:
                return cur
        last = parts[-1].rstrip("/")
        if len(last) > NAME_MAX:
            return ENAMETOOLONG
        if not may(cur, p, X):
            return EACCES
        if last == "..":
            return cur.parent.parent, "..", cur.parent
        node = cur.entries.get(last)
        if node is not None and parts[-1].endswith("/") and not node.is_dir:
            return ENOTDIR
        return cur, last, node

    def _step(self, p, cur: Directory, name: str) -> Union[int, Directory]:
        if len(name) > NAME_MAX:
            return ENAMETOOLONG
        if not may(cur, p, X):
            return EACCES
        if name == "..":
            return cur.parent
        node = cur.entries.get(name)
        if node is None:
            return ENOENT
        if not node.is_dir:
            return ENOTDIR
        return node

    # ------------------------------------------------------------------ the calls
    def open(self, p, path: str, flags: int, mode: int) -> Union[int, tuple[OpenFile, str]]:
        """open(2): the new description and how ("opened", "created" or "truncated"), or an errno."""
        found = self.resolve(p, path)
        if type(found) is int:
            return found
        parent, name, node = found
        acc = flags & O_ACCMODE
        how = "opened"
        if node is None:
            if not flags & O_CREAT:
                return ENOENT
            if path.endswith("/"):
                return EISDIR
            if not may(parent, p, W | X):
                return EACCES
            if self.inodes >= FS_MAX_INODES:
                return ENOSPC
            node = parent.entries[name] = Inode(self._ino(), p.uid, p.uid, mode & ~UMASK)
            how = "created"
        elif flags & O_CREAT and flags & O_EXCL:
            return EEXIST
        elif node.is_dir:
            if acc != O_RDONLY or flags & (O_CREAT | O_TRUNC):
                return EISDIR
            if not may(node, p, R):
                return EACCES
            return DirectoryFile(node, path), how
        elif type(node) is not Inode:
            return ENXIO                           # a socket's name: connect to it, do not open it
        else:
            want = (R if acc != 1 else 0) | (W if acc != O_RDONLY or flags & O_TRUNC else 0)
            if not may(node, p, want):
                return EACCES
            if flags & O_TRUNC:
                self.used -= len(node.data)
                node.data.clear()
                how = "truncated"
        return RegularFile(node, flags, path), how

    def unlink(self, p, path: str) -> Union[int, Inode]:
        """unlink(2): the inode whose name went, or an errno; its data goes with its last open fd."""
        found = self.resolve(p, path)
        if type(found) is int:
            return found
        parent, name, node = found
        if node is None:
            return ENOENT
        if node.is_dir:
            return EISDIR
        if not may(parent, p, W | X):
            return EACCES
        if parent.mode & STICKY and p.uid not in (0, node.uid, parent.uid):
            return EPERM
        del parent.entries[name]
        node.nlink -= 1
        if not node.opens:
            self.free(node)
        return node

    # ------------------------------------------------------------------ space
    def free(self, inode: Inode) -> None:
        self.used -= len(inode.data)
        self.inodes -= 1
        inode.data = bytearray()


def _announce(path: str, node: Node) -> tuple:
    text = "" if node.is_dir else node.data.decode("utf-8", errors="surrogateescape")
    return (path, "dir" if node.is_dir else "file", node.ino, node.uid, node.gid, node.mode, text)
