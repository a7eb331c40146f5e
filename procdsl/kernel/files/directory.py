"""Directories: names to inodes, owner, group and mode; a description open on one can only be closed or sought."""

from __future__ import annotations

from typing import Optional

from procdsl.core.linux import ERRNO, O_RDONLY
from procdsl.kernel.files.file import OpenFile

EISDIR = ERRNO["EISDIR"]


class Directory:
    __slots__ = ("ino", "entries", "uid", "gid", "mode", "parent")
    is_dir = True

    def __init__(self, ino: int, uid: int, gid: int, mode: int, parent: Optional[Directory]) -> None:
        self.ino = ino
        self.entries: dict = {}        # name -> Inode or Directory
        self.uid = uid
        self.gid = gid
        self.mode = mode
        self.parent = parent if parent is not None else self      # "/" is its own parent


class DirectoryFile(OpenFile):
    """open(dir, O_RDONLY) succeeds; read(2) on it fails with EISDIR (listing a directory is getdents)."""

    __slots__ = ("directory", "path")
    kind = "directory"
    seekable = True

    def __init__(self, directory: Directory, path: str) -> None:
        super().__init__(O_RDONLY)
        self.directory = directory
        self.path = path

    def read(self, k, p, fd: int, n: int) -> int:
        return -EISDIR

    def inode_number(self) -> int:
        return self.directory.ino

    def name(self) -> str:
        return self.path
