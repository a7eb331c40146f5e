"""Statements on names in the file system: open and unlink (the file system is kernel/files/fs.py)."""

from __future__ import annotations

from typing import Any

from procdsl.core.linux import O_CLOEXEC, canonical_path
from procdsl.core.values import ProgramFault, show, type_name
from procdsl.kernel.files import fdtable
from procdsl.kernel.opsupport import CONTINUE, EMFILE, _fail, _set


def _path(v: Any, span: Any) -> str:
    if not isinstance(v, str):
        raise ProgramFault(f"a path is a string, not a {type_name(v)} ({show(v)})", span)
    return v


def op_open(k, p, op):
    """open(2): the lowest free fd on a new description, or -1 and errno (EMFILE comes first, as
    Linux takes the fd before it looks the name up)."""
    path = _path(op.expr(p), op.span)
    flags, mode, flag_text = op.aux
    fd = fdtable.lowest_free(p)
    if fd < 0:
        _fail(k, p, f'open "{path}"', EMFILE)
        result = -1
    else:
        opened = k.fs.open(p, path, flags, mode)
        if type(opened) is int:
            _fail(k, p, f'open "{path}"', opened)
            result = -1
        else:
            f, how = opened
            fdtable.install(p, fd, f, cloexec=bool(flags & O_CLOEXEC))
            k.emit(k.cpu_of(p), p.pid, "open", (canonical_path(path), flag_text, fd, f.inode_number(), how))
            result = fd
    if op.name:
        _set(p, op.name, result)
    p.pc += 1
    return CONTINUE


def op_unlink(k, p, op):
    """unlink(2): the name goes at once; the data stays while some fd is still open on it."""
    path = _path(op.expr(p), op.span)
    gone = k.fs.unlink(p, path)
    if type(gone) is int:
        _fail(k, p, f'unlink "{path}"', gone)
    else:
        k.emit(k.cpu_of(p), p.pid, "unlink", (canonical_path(path), gone.ino))
    p.pc += 1
    return CONTINUE
