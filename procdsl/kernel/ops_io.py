"""Statements on file descriptors: print, write, pipe, reading lines, close, dup2.

Each works on whatever the fd's open file description is (kernel/files): a pipe end, the
terminal; the description's kind does the I/O and the statement only checks the fd and its
access mode, as the system call layer does before calling a file's operations.
"""

from __future__ import annotations

from procdsl.core.values import STR_LIMIT, PipeVal, ProgramFault, show
from procdsl.kernel.files import fdtable
from procdsl.kernel.files.pipe import new_pipe
from procdsl.kernel.opsupport import (
    BLOCKED,
    CONTINUE,
    EBADF,
    EMFILE,
    RuntimeOp,
    _fail,
    _fd,
    _int,
    _set,
)
from procdsl.kernel.process import Proc
from procdsl.kernel.stdio import LineBuffer

LINE_READ = 65_536           # bytes one read(2) under `for line in` asks for: a whole pipe


def op_print(k, p, op):
    return write_fd(k, p, 1, show(op.expr(p)) + "\n")


def op_write(k, p, op):
    return write_fd(k, p, _fd(op.expr(p), op.span, True), show(op.expr2(p)))


def write_fd(k, p: Proc, fd: int, text: str) -> str:
    f = fdtable.get(p, fd)
    if f is None or not f.writable:
        _fail(k, p, "write", EBADF)
    elif f.write(k, p, fd, text) is None:
        return BLOCKED
    p.wait_kind = ""
    p.pc += 1
    return CONTINUE


def op_pipe(k, p, op):
    if fdtable.free_count(p) < 2:
        _fail(k, p, "pipe", EMFILE)
        p.pc += 1
        return CONTINUE
    rend, wend = new_pipe(k)
    r = fdtable.lowest_free(p)
    fdtable.install(p, r, rend)
    w = fdtable.lowest_free(p)
    fdtable.install(p, w, wend)
    _set(p, op.name, PipeVal(r, w, rend.pipe.id))
    k.emit(k.cpu_of(p), p.pid, "pipe", (rend.pipe.id, r, w))
    p.pc += 1
    return CONTINUE


def read_line(k, p: Proc, fd: int, op: RuntimeOp) -> str:
    """One line of `for line in FD`: from what was read before, else read(2) until a newline or EOF."""
    lb = p.linebuf.get(fd)
    if lb is None:
        lb = p.linebuf[fd] = LineBuffer()
    data = lb.data
    while True:
        i = data.find(b"\n", lb.scanned)
        if i >= 0:
            _set(p, op.name, data[:i].decode("utf-8", errors="replace"))
            del data[:i + 1]              # from the front of a bytearray: no copy of the rest
            lb.scanned = 0
            p.wait_kind = ""
            p.pc += 1
            return CONTINUE
        lb.scanned = len(data)
        f = fdtable.get(p, fd)
        if f is None or not f.readable:
            _fail(k, p, "read", EBADF)
            break
        got = f.read(k, p, LINE_READ)
        if got is None:
            return BLOCKED
        if not got:
            break
        if len(data) + len(got) > STR_LIMIT:
            raise ProgramFault(f"a line longer than {STR_LIMIT} bytes: the line buffer's limit", op.span)
        data += got
    p.wait_kind = ""
    if data:                                  # a last line without a newline
        _set(p, op.name, data.decode("utf-8", errors="replace"))
        data.clear()
        lb.scanned = 0
        p.pc += 1
    else:
        del p.linebuf[fd]
        p.pc = op.jump
    return CONTINUE


def op_close(k, p, op):
    v = op.expr(p)
    if isinstance(v, PipeVal):
        raise ProgramFault("close one end of the pipe: `close p.read` or `close p.write`", op.span)
    fd = _int(v, "close", op.span)
    if fdtable.close(k, p, fd):
        p.linebuf.pop(fd, None)
    else:
        _fail(k, p, "close", EBADF)
    p.pc += 1
    return CONTINUE


def op_dup2(k, p, op):
    src = _fd(op.expr(p), op.span, True)
    dst = _int(op.expr2(p), "dup2", op.span)
    f = fdtable.get(p, src)
    if f is None or not 0 <= dst < fdtable.FD_LIMIT:
        _fail(k, p, "dup2", EBADF)
    elif src != dst:
        fdtable.dup_onto(k, p, f, dst)
    p.pc += 1
    return CONTINUE
