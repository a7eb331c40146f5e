"""The file statements and the `files` block compiled: C's names become the numbers the kernel uses."""

from __future__ import annotations

from typing import Any, Callable, Optional

from procdsl import ir
from procdsl.core.linux import FD_CLOEXEC, O_ACCMODE, OPEN_FLAGS, SEEK
from procdsl.plan.schema import FileSpec, make

DEFAULT_FILE_MODE, DEFAULT_DIR_MODE = 0o644, 0o755
CREATE_MODE = 0o666          # open(O_CREAT) without a mode: 666, less the umask


def _lit(span, value) -> ir.Lit:
    return ir.build(ir.Lit, span=span, type="int" if isinstance(value, int) else "str", value=value)


def _fd(s) -> Optional[ir.Expr]:
    return s.fd.expr if s.fd is not None else None


def _open(s) -> dict:
    flags = 0
    for name in s.flags:
        flags |= OPEN_FLAGS[name]
    access = next((n for n in s.flags if OPEN_FLAGS[n] == flags & O_ACCMODE and n in ("O_RDONLY", "O_WRONLY", "O_RDWR")),
                  "O_RDONLY")
    text = "|".join([access] + [n for n in s.flags if n != access])
    mode = int(s.mode, 8) if s.mode is not None else CREATE_MODE
    return {"expr": s.path, "name": s.into, "args": (_lit(s.span, flags), _lit(s.span, mode), _lit(s.span, text))}


def _fcntl(s) -> dict:
    arg = FD_CLOEXEC if s.arg == "FD_CLOEXEC" else int(s.arg or 0)
    return {"expr": s.fd.expr, "name": s.into, "args": (_lit(s.span, s.command), _lit(s.span, arg))}


# statement kind -> the fields of its op
FILE_OPS: dict[str, Callable[[Any], dict]] = {
    "open": _open,
    "read": lambda s: {"expr": s.fd.expr, "expr2": s.count, "name": s.into,
                       "args": (_lit(s.span, s.buffer),) if s.buffer else ()},
    "lseek": lambda s: {"expr": s.fd.expr, "expr2": s.offset, "name": s.into, "args": (_lit(s.span, SEEK[s.whence]),)},
    "dup": lambda s: {"expr": s.fd.expr, "name": s.into},
    "fcntl": _fcntl,
    "printf": lambda s: {"expr": _fd(s), "expr2": s.value},
    "fflush": lambda s: {"expr": _fd(s)},
}


def file_specs(files: Optional[ir.Files]) -> tuple[FileSpec, ...]:
    """The declared entries, directories first (parents before children), then files, each in the
    order written; an owner given without a group gives the group of the same number."""
    if files is None:
        return ()
    entries = sorted(files.entries, key=lambda e: (e.kind != "dir", e.path.count("/") if e.kind == "dir" else 0))
    out = []
    for e in entries:
        owner = e.owner or 0
        group = e.group if e.group is not None else owner
        default = DEFAULT_FILE_MODE if e.kind == "file" else DEFAULT_DIR_MODE     # a program: 755 too
        mode = int(e.mode, 8) if e.mode is not None else default
        if e.kind == "program":
            out.append(make(FileSpec, path=e.path, owner=owner, group=group, mode=mode, program=e.text))
        else:
            out.append(make(FileSpec, path=e.path, kind=e.kind, text=e.text, owner=owner, group=group, mode=mode))
    return tuple(out)
