"""Static checks of the file statements and the `files` block: C's flag and command names, octal modes, paths."""

from __future__ import annotations

from typing import Optional

from procdsl import ir
from procdsl.core.linux import FCNTL_COMMANDS, FS_CAPACITY, FS_MAX_INODES, OPEN_FLAGS, SEEK
from procdsl.ir.span import Span
from procdsl.lang.diagnostics import did_you_mean

FILE_STATEMENTS = frozenset(("open", "lseek", "fcntl"))
FILE_QUERIES = {"file": "file(PATH)", "exists": "exists(PATH)", "size": "size(PATH)", "offset": "offset(PROCESS, FD)"}
ACCESS_MODES = ("O_RDONLY", "O_WRONLY", "O_RDWR")


def parse_mode(text: str) -> Optional[int]:
    """`644`, `0644`, `1777`: octal, as chmod writes it; None when it is not a mode."""
    if not text or any(c not in "01234567" for c in text) or int(text, 8) > 0o7777:
        return None
    return int(text, 8)


def mode_error(v, text: str, span: Span) -> None:
    if parse_mode(text) is None:
        v.error(f"'{text}' is not a file mode", span, "a mode is octal, as chmod writes it: 644, 600, 755, 1777")


def file_statement(v, s) -> None:
    if s.kind == "open":
        seen = []
        for name, span in zip(s.flags, s.flag_spans):
            if name not in OPEN_FLAGS:
                v.error(f"unknown open flag '{name}'{did_you_mean(name, OPEN_FLAGS)}", span,
                        "flags: " + " ".join(OPEN_FLAGS))
            elif name in seen:
                v.error(f"'{name}' is given twice", span)
            seen.append(name)
        modes = [f for f in seen if f in ACCESS_MODES]
        if len(modes) > 1:
            v.error(f"open takes one access mode, not {' and '.join(modes)}", s.span,
                    "O_RDONLY to read, O_WRONLY to write, O_RDWR to do both")
        if s.mode is not None:
            mode_error(v, s.mode, s.mode_span)
            if "O_CREAT" not in seen:
                v.error("a mode only matters when open creates the file", s.mode_span,
                        "add O_CREAT, or drop the mode: an existing file keeps its own")
    elif s.kind == "lseek" and s.whence not in SEEK:
        v.error(f"unknown lseek origin '{s.whence}'{did_you_mean(s.whence, SEEK)}", s.whence_span,
                "SEEK_SET (from the start), SEEK_CUR (from the offset) or SEEK_END (from the end)")
    elif s.kind == "fcntl":
        if s.command not in FCNTL_COMMANDS:
            v.error(f"unknown fcntl command '{s.command}'{did_you_mean(s.command, FCNTL_COMMANDS)}", s.command_span,
                    "procdsl knows F_GETFD and F_SETFD (the close-on-exec flag)")
        elif s.command == "F_GETFD" and s.arg is not None:
            v.error("F_GETFD takes no argument", s.arg_span, "write `flags = fcntl fd F_GETFD`")
        elif s.command == "F_SETFD" and s.arg not in ("FD_CLOEXEC", "0", "1"):
            v.error("F_SETFD takes FD_CLOEXEC or 0", s.arg_span or s.command_span,
                    "`fcntl fd F_SETFD FD_CLOEXEC` sets close-on-exec, `fcntl fd F_SETFD 0` clears it")


def file_query(v, call: ir.Call) -> None:
    want = FILE_QUERIES[call.func]
    if len(call.args) != want.count(",") + 1:
        v.error(f"{call.func} takes {'two arguments' if ',' in want else 'one argument'}", call.func_span,
                f"write {want}")


def files_block(v, files: ir.Files) -> None:
    declared: dict[str, ir.FsEntry] = {}
    total = 0
    for e in files.entries:
        if e.mode is not None:
            mode_error(v, e.mode, e.mode_span)
        for what, value in (("owner", e.owner), ("group", e.group)):
            if value is not None and value > 0xFFFFFFFE:
                v.error(f"{what} {value} is not a user or group id", e.span, "ids go from 0 to 4294967294")
        path = e.path
        parts = path.split("/")
        if not path.startswith("/"):
            v.error(f"'{path}' is not an absolute path", e.path_span, f"write '/{path.lstrip('./')}'")
            continue
        if path != "/" and (path.endswith("/") or "" in parts[1:] or "." in parts or ".." in parts):
            v.error(f"write the path '{path}' plainly", e.path_span,
                    "no '.', '..', '//' or trailing '/' in a declared path")
            continue
        if path == "/":
            v.error("'/' is always there", e.path_span, "declare what goes inside it")
            continue
        if any(len(p) > 255 for p in parts):
            v.error("a name in a path has at most 255 characters", e.path_span)
        if path in declared:
            v.error(f"'{path}' is declared twice", e.path_span)
            continue
        if path == "/tmp" and e.kind != "dir":
            v.error("'/tmp' is a directory", e.path_span)
            continue
        declared[path] = e
        if e.kind == "program":
            v.program_ref(e.text, e.program_span)
        else:
            total += len(e.text.encode())
    for path, e in declared.items():
        parts = path.split("/")
        for i in range(2, len(parts)):
            parent = "/".join(parts[:i])
            if parent in declared and declared[parent].kind != "dir":
                v.error(f"'{parent}' is a file, so nothing can be inside it", e.path_span)
    if total > FS_CAPACITY:
        v.error(f"the files block holds {total} bytes; the file system holds {FS_CAPACITY}", files.span)
    if len(declared) + 2 > FS_MAX_INODES:
        v.error(f"the files block declares {len(declared)} entries; the file system holds {FS_MAX_INODES}",
                files.span)
