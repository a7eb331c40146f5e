"""The file system as the events tell it: what each path names, each file's bytes, each process's fds on
files and their offsets, at any instant. An observer like model.Model (docs/design.md, section 4)."""

from __future__ import annotations

from typing import Any, Callable, Optional

from procdsl import ir
from procdsl.check.history import History
from procdsl.core.linux import BASE_DIRS, canonical_path
from procdsl.core.values import compile_expr, show, type_name
from procdsl.trace.text import format_time

ProcInfo = Any        # check.model.ProcInfo (which imports this module)


class FileLog:
    """One inode: its writes and truncations in order, so its bytes at any instant can be replayed.

    Questions usually move forward in time (`always` walks the instants in order), so the last
    replay is kept and continued rather than started again."""

    __slots__ = ("is_dir", "ops", "size", "_t", "_i", "_data")

    def __init__(self, t: int, is_dir: bool, data: bytes = b"") -> None:
        self.is_dir = is_dir
        self.ops: list[tuple[int, int, bytes]] = [(t, -1, data)]    # (time, offset or -1: truncate to data)
        self.size = History(t, len(data))
        self._t, self._i, self._data = -1, 0, bytearray()

    def write(self, t: int, offset: int, data: bytes) -> None:
        self.ops.append((t, offset, data))
        self.size.set(t, max(self.size.values[-1], offset + len(data)))

    def truncate(self, t: int) -> None:
        self.ops.append((t, -1, b""))
        self.size.set(t, 0)

    def contents(self, t: int) -> bytes:
        if t < self._t:
            self._t, self._i, self._data = -1, 0, bytearray()
        ops, data, i = self.ops, self._data, self._i
        while i < len(ops) and ops[i][0] <= t:
            _, offset, chunk = ops[i]
            if offset < 0:
                data[:] = chunk
            else:
                if offset > len(data):
                    data.extend(bytes(offset - len(data)))
                data[offset:offset + len(chunk)] = chunk
            i += 1
        self._t, self._i = t, i
        return bytes(data)


class Desc:
    """An open file description on a file or directory: the inode and the offset over time."""

    __slots__ = ("ino", "pos")

    def __init__(self, ino: int, t: int) -> None:
        self.ino = ino
        self.pos = History(t, 0)


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogateescape")


class FileModel:
    def __init__(self, model) -> None:
        self.model = model
        self.names: dict[str, History] = {}                   # path -> inode number (None once unlinked)
        self.inodes: dict[int, FileLog] = {}
        self.fds: dict[ProcInfo, dict[int, History]] = {}     # process -> fd -> Desc (None once closed)
        self.handlers: dict[str, Callable] = {kind: getattr(self, "_on_" + kind) for kind in (
            "inode", "open", "read", "write", "lseek", "close", "dup", "unlink", "fork", "exit")}
        for ino, path in enumerate(BASE_DIRS, 1):        # there before any event: inodes 1, 2, ...
            self.names[path] = History(0, ino)
            self.inodes[ino] = FileLog(0, True)

    # ------------------------------------------------------------------ the observer
    def _bind(self, path: str, t: int, ino: Optional[int]) -> None:
        h = self.names.get(path)
        if h is None:
            self.names[path] = History(t, ino)
        else:
            h.set(t, ino)

    def _desc(self, p: ProcInfo, fd: int) -> Optional[Desc]:
        h = self.fds.get(p, {}).get(fd)
        return h.values[-1] if h is not None else None

    def _set_fd(self, p: ProcInfo, fd: int, t: int, desc: Optional[Desc]) -> None:
        table = self.fds.setdefault(p, {})
        h = table.get(fd)
        if h is None:
            if desc is not None:
                table[fd] = History(t, desc)
        else:
            h.set(t, desc)

    def _on_inode(self, ev, _p, _i) -> None:
        path, kind, ino, _owner, _group, _mode, text = ev.detail
        self.inodes[ino] = FileLog(ev.time, kind == "dir", _bytes(text))
        self._bind(path, ev.time, ino)

    def _on_open(self, ev, p, _i) -> None:
        path, _flags, fd, ino, how = ev.detail
        t = ev.time
        if how == "created" or ino not in self.inodes:
            self.inodes[ino] = FileLog(t, False)
            self._bind(path, t, ino)
        elif how == "truncated":
            self.inodes[ino].truncate(t)
        self._set_fd(p, fd, t, Desc(ino, t))

    def _on_read(self, ev, p, _i) -> None:
        fd, obj, _ino, count, _size, offset = ev.detail
        desc = self._desc(p, fd) if obj == "file" else None
        if desc is not None:
            desc.pos.set(ev.time, offset + count)

    def _on_write(self, ev, p, _i) -> None:
        fd, obj, ino, count, _size, offset, text = ev.detail
        if obj != "file":
            return
        log = self.inodes.get(ino)
        if log is not None:
            log.write(ev.time, offset, _bytes(text))
        desc = self._desc(p, fd)
        if desc is not None:
            desc.pos.set(ev.time, offset + count)

    def _on_lseek(self, ev, p, _i) -> None:
        desc = self._desc(p, ev.detail[0])
        if desc is not None:
            desc.pos.set(ev.time, ev.detail[1])

    def _on_close(self, ev, p, _i) -> None:
        self._set_fd(p, ev.detail[0], ev.time, None)

    def _on_dup(self, ev, p, _i) -> None:
        fd, newfd = ev.detail
        self._set_fd(p, newfd, ev.time, self._desc(p, fd))

    def _on_unlink(self, ev, _p, _i) -> None:
        self._bind(ev.detail[0], ev.time, None)

    def _on_fork(self, ev, _p, _i) -> None:
        parent = self.model.proc(ev.pid)
        table = self.fds.get(parent)
        if table:
            child = self.model.proc(ev.detail[0])
            for fd, h in table.items():
                if h.values[-1] is not None:
                    self._set_fd(child, fd, ev.time, h.values[-1])

    def _on_exit(self, ev, p, _i) -> None:
        table = self.fds.get(p)
        if table:
            for h in table.values():
                h.set(ev.time, None)

    # ------------------------------------------------------------------ questions at an instant
    def inode_at(self, env, path: str) -> Optional[FileLog]:
        h = self.names.get(path)
        ino = h.at(env.t) if h is not None else None
        if ino is None:
            when = format_time(env.t).strip()
            if h is not None and h.first_time(None) is not None and h.first_time(None) <= env.t:
                env.note(f"no file at {path} at {when}: it was unlinked")
            else:
                env.note(f"no file at {path} at {when}")
            return None
        return self.inodes[ino]

    def exists(self, env, path: str) -> bool:
        h = self.names.get(path)
        return h is not None and h.at(env.t) is not None

    def contents(self, env, path: str) -> Optional[str]:
        log = self.inode_at(env, path)
        if log is None:
            return None
        if log.is_dir:
            env.note(f"{path} is a directory, not a file")
            return None
        return log.contents(env.t).decode("utf-8", errors="replace")

    def size(self, env, path: str) -> Optional[int]:
        log = self.inode_at(env, path)
        return log.size.at(env.t) if log is not None and not log.is_dir else None

    def offset(self, env, p: ProcInfo, fd: Any) -> Optional[int]:
        h = self.fds.get(p, {}).get(fd) if isinstance(fd, int) else None
        desc = h.at(env.t) if h is not None else None
        if desc is None:
            env.note(f"fd {show(fd)} of {p.name} (pid {p.pid}) was not open on a file at "
                     f"{format_time(env.t).strip()}")
            return None
        return desc.pos.at(env.t)


def call(e: ir.Call, lookup: Callable, recurse: Callable, proc_arg: Callable) -> Optional[Callable]:
    """The expectation functions on files, compiled; None for any other function."""
    func, args = e.func, e.args
    if func in ("file", "exists", "size"):
        path_of = compile_expr(args[0], lookup, recurse)

        def on_path(env):
            path = path_of(env)
            if not isinstance(path, str):
                env.note(f"{func}() takes a path string, not a {type_name(path)}")
                return None
            path = canonical_path(path)
            files = env.model.files
            return files.contents(env, path) if func == "file" else files.exists(env, path) if func == "exists" \
                else files.size(env, path)
        return on_path
    if func == "offset":
        target = proc_arg(args[0])
        fd_of = compile_expr(args[1], lookup, recurse)

        def on_fd(env):
            p = target(env)
            return env.model.files.offset(env, p, fd_of(env)) if p is not None else None
        return on_fd
    return None
