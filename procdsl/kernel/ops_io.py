"""Statements on file descriptors: print, write, read, reading lines, pipe, close, dup, dup2, lseek, fcntl.

Each works on whatever the fd's open file description is (kernel/files): a pipe end, the
terminal, a regular file or a directory. The statement checks the fd and its access mode, as
the system-call layer does, and the description's kind does the I/O.
"""

from __future__ import annotations

from typing import Optional

from procdsl.core.linux import ERRNO, FD_CLOEXEC, SIGPIPE
from procdsl.core.values import STR_LIMIT, PipeVal, ProgramFault, show
from procdsl.kernel.files import fdtable
from procdsl.kernel.files.pipe import new_pipe
from procdsl.kernel.opsupport import (
    BLOCKED,
    CONTINUE,
    EBADF,
    EINVAL,
    EMFILE,
    EPIPE,
    RuntimeOp,
    _fail,
    _fd,
    _int,
    _set,
    copied,
    interrupted,
)
from procdsl.kernel.process import SLEEPING, Proc
from procdsl.kernel.stdio import LineBuffer

LINE_READ = 65_536           # bytes one read(2) under `for line in` asks for: a whole pipe
ESPIPE = ERRNO["ESPIPE"]
OFFSET_LIMIT = 1 << 63       # a regular file's largest offset is 2**63 - 1 (MAX_LFS_FILESIZE): past it EINVAL


class Writes:
    """The write(2) calls a statement has still to make: (fd, data) pairs, the one it is in, and
    how much of that one went already. A writer that sleeps keeps it in p.write_rest."""

    __slots__ = ("calls", "i", "sent")

    def __init__(self, calls: list, i: int, sent: int) -> None:
        self.calls = calls
        self.i = i
        self.sent = sent


def write_calls(k, p: Proc, calls: list) -> Optional[int]:
    """Make each write(2) of `calls` in turn: the last one's result (bytes written or -1), or
    None while p sleeps in one. A wake-up runs the statement again, which goes on from
    p.write_rest; a handler that runs meanwhile has its own (signals.run_handler saves it)."""
    w = p.write_rest
    if w is None:
        i = sent = 0
    else:
        p.write_rest = None
        if p.eintr:
            if w.sent:                       # some bytes went: write(2) returns their count
                p.eintr = False
                return w.sent
            interrupted(k, p, "write")
            return -1
        calls, i, sent = w.calls, w.i, w.sent
    result = 0
    fds = p.fds
    while i < len(calls):
        fd, data = calls[i]
        f = fds[fd] if 0 <= fd < len(fds) else None
        if f is None or not f.writable:
            _fail(k, p, "write", EBADF)
            result = -1
        elif f.text:
            result = f.write(k, p, fd, data if type(data) is str else data.decode("utf-8", errors="replace"))
        else:
            text = None
            if type(data) is str:
                text, data = data, data.encode()
            n = f.write(k, p, fd, data[sent:] if sent else data, text)
            if n < 0:
                result = _write_failed(k, p, -n, sent)
            else:
                sent += n
                if k.copy_ns:
                    copied(k, p, n)
                if sent < len(data) and _sleeps(p, f):
                    calls[i] = (fd, data)
                    p.write_rest = Writes(calls, i, sent)
                    return None
                result = sent                   # all of it, or what a full file system took
        i += 1
        sent = 0
    return result


def _sleeps(p: Proc, f) -> bool:
    """p sleeps in f's write, or would but for a pending signal: then it goes back to user mode
    to take the signal, and the write goes on, fails with EINTR or returns what went in, after
    the handler (RunQueues.block, signals.run_handler)."""
    if p.state == SLEEPING:
        return True
    if not p.sigpending:
        return False
    pipe = getattr(f, "pipe", None)
    return (pipe is not None and p.wait_on is pipe) or (p.wait_kind == "send" and p.wait_on is not None)


def _write_failed(k, p: Proc, err: int, sent: int) -> int:
    if err == EPIPE:
        if sent:
            return sent                      # SIGPIPE is raised, the bytes that went are counted
        if p.sigpending and p.handlers.get(SIGPIPE) is None:
            p.errno = err                    # a default SIGPIPE kills before EPIPE is seen
            return -1
    _fail(k, p, "write", err)
    return -1


def _done(p: Proc, op: RuntimeOp, result) -> str:
    if op.name:
        _set(p, op.name, result)
    p.wait_kind = ""
    p.pc += 1
    return CONTINUE


def op_print(k, p, op):
    return write_fd(k, p, op, 1, show(op.expr(p)) + "\n")


def op_write(k, p, op):
    return write_fd(k, p, op, _fd(op.expr(p), op.span, True), show(op.expr2(p)))


def write_fd(k, p: Proc, op: RuntimeOp, fd: int, text: str) -> str:
    fds = p.fds
    f = fds[fd] if 0 <= fd < len(fds) else None
    if f is not None and f.text and p.write_rest is None:      # the terminal, which never sleeps
        return _done(p, op, f.write(k, p, fd, text))
    n = write_calls(k, p, [(fd, text)])
    if n is None:
        return BLOCKED
    return _done(p, op, n)


def op_read(k, p, op):
    """read(2) of up to a count of bytes: fewer at the end of a file or from a pipe, 0 at end of file."""
    fd = _fd(op.expr(p), op.span, False)
    count = _int(op.expr2(p), "read", op.span)
    if count < 0:
        raise ProgramFault(f"read needs a count of 0 or more, not {count}", op.span)
    if p.eintr and interrupted(k, p, "read"):
        return _done(p, op, -1)
    f = fdtable.get(p, fd)
    if f is None or not f.readable:
        _fail(k, p, "read", EBADF)
        return _done(p, op, -1)
    if not count:
        return _done(p, op, 0)
    got = f.read(k, p, fd, count)
    if got is None:
        return BLOCKED
    if type(got) is int:
        _fail(k, p, "read", -got)
        return _done(p, op, -1)
    if op.aux:
        _set(p, op.aux, got.decode("utf-8", errors="replace"))
    if k.copy_ns:
        copied(k, p, len(got))
    return _done(p, op, len(got))


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
    if p.write_rest is not None:             # it slept flushing stdout before reading the terminal
        if write_calls(k, p, []) is None:
            return BLOCKED
    elif p.eintr and interrupted(k, p, "read"):
        p.pc = op.jump                       # fgets fails: the loop ends as at end of file, errno says why
        return CONTINUE
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
        if p.stdio is not None and f.text and write_calls(k, p, _line_buffered_stdout(p)) is None:
            return BLOCKED
        got = f.read(k, p, fd, LINE_READ)
        if got is None:
            return BLOCKED
        if type(got) is int:
            _fail(k, p, "read", -got)
            break
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


def _line_buffered_stdout(p: Proc) -> list:
    """Reading a terminal flushes a line-buffered stdout first (glibc's _IO_new_file_underflow),
    so a prompt printed without a newline shows before the program waits for input."""
    for s in p.stdio:
        if s.fd == 1 and s.line:
            return [(1, data) for data in s.flush()]
    return []


def op_close(k, p, op):
    v = op.expr(p)
    if isinstance(v, PipeVal):
        raise ProgramFault("close one end of the pipe: `close p.read` or `close p.write`", op.span)
    fd = _int(v, "close", op.span)
    if fdtable.close(k, p, fd):
        p.linebuf.pop(fd, None)
        k.emit(k.cpu_of(p), p.pid, "close", (fd, "close"))
    else:
        _fail(k, p, "close", EBADF)
    p.pc += 1
    return CONTINUE


def op_dup(k, p, op):
    """dup(2): the lowest free fd, on the same description (one offset), close-on-exec clear."""
    fd = _fd(op.expr(p), op.span, True)
    f = fdtable.get(p, fd)
    if f is None:
        _fail(k, p, "dup", EBADF)
        return _done(p, op, -1)
    new = fdtable.lowest_free(p)
    if new < 0:
        _fail(k, p, "dup", EMFILE)
        return _done(p, op, -1)
    f.refs += 1
    fdtable.install(p, new, f)
    k.emit(k.cpu_of(p), p.pid, "dup", (fd, new))
    return _done(p, op, new)


def op_dup2(k, p, op):
    src = _fd(op.expr(p), op.span, True)
    dst = _int(op.expr2(p), "dup2", op.span)
    f = fdtable.get(p, src)
    if f is None or not 0 <= dst < fdtable.FD_LIMIT:
        _fail(k, p, "dup2", EBADF)
    elif src != dst:
        fdtable.dup_onto(k, p, f, dst)
        k.emit(k.cpu_of(p), p.pid, "dup", (src, dst))
    p.pc += 1
    return CONTINUE


def op_lseek(k, p, op):
    """lseek(2): SEEK_SET, SEEK_CUR or SEEK_END plus the offset; past the end is allowed (a gap)."""
    fd = _fd(op.expr(p), op.span, False)
    offset = _int(op.expr2(p), "lseek", op.span)
    f = fdtable.get(p, fd)
    if f is None:
        _fail(k, p, "lseek", EBADF)
        return _done(p, op, -1)
    if not f.seekable:
        _fail(k, p, "lseek", ESPIPE)
        return _done(p, op, -1)
    whence = op.aux
    pos = offset + (0 if whence == 0 else f.pos if whence == 1 else f.end())
    if not 0 <= pos < OFFSET_LIMIT:
        _fail(k, p, "lseek", EINVAL)
        return _done(p, op, -1)
    f.pos = pos
    k.emit(k.cpu_of(p), p.pid, "lseek", (fd, pos))
    return _done(p, op, pos)


def op_fcntl(k, p, op):
    """fcntl(2) F_GETFD (1 when close-on-exec is set) and F_SETFD FD_CLOEXEC or 0."""
    fd = _fd(op.expr(p), op.span, False)
    if fdtable.get(p, fd) is None:
        _fail(k, p, "fcntl", EBADF)
        return _done(p, op, -1)
    cmd, arg = op.aux
    bit = 1 << fd
    if cmd == "F_GETFD":
        return _done(p, op, FD_CLOEXEC if p.cloexec & bit else 0)
    if arg & FD_CLOEXEC:
        p.cloexec |= bit
    else:
        p.cloexec &= ~bit
    return _done(p, op, 0)
