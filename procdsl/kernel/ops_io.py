"""Statements on file descriptors: print, write, pipe, reading lines, close, dup2."""

from __future__ import annotations

from procdsl.core.events import NO_PID
from procdsl.core.linux import ERRNO, SIGPIPE
from procdsl.core.values import (
    PipeVal,
    ProgramFault,
    show,
)
from procdsl.kernel import signals
from procdsl.kernel.opsupport import (
    BLOCKED,
    CONTINUE,
    EBADF,
    EPIPE,
    FD_LIMIT,
    RuntimeOp,
    _fail,
    _fd,
    _int,
    _lowest_free_fd,
    _set,
)
from procdsl.kernel.pipes import TERMINAL, End
from procdsl.kernel.process import SLEEPING, Proc


def op_print(k, p, op):
    return write_fd(k, p, 1, show(op.expr(p)) + "\n")


def op_write(k, p, op):
    return write_fd(k, p, _fd(op.expr(p), op.span, True), show(op.expr2(p)))


def write_fd(k, p: Proc, fd: int, text: str) -> str:
    entry = p.fds[fd] if 0 <= fd < len(p.fds) else None
    if entry is None or (isinstance(entry, End) and not entry.writing):
        _fail(k, p, "write", EBADF)
    elif entry is TERMINAL:
        k.emit(k.cpu_of(p), p.pid, "output", (fd, text))
    else:
        pipe = entry.pipe
        data = p.write_rest if p.write_rest is not None else text.encode()
        if pipe.readers == 0:
            p.write_rest = None
            signals.generate(k, p, SIGPIPE, sender=NO_PID, source="kernel")
            p.errno = EPIPE
            if not p.sigpending or p.handlers.get(SIGPIPE) is not None:
                _fail(k, p, "write", EPIPE)      # a default SIGPIPE kills before EPIPE is seen
        else:
            n = pipe.write(data)
            if n:
                k.emit(k.cpu_of(p), p.pid, "write", (fd, pipe.id, n, len(pipe.data)))
                k.wake_all(pipe.read_waiters, "data in " + str(pipe))
            if n < len(data):
                p.write_rest = data[n:]
                pipe.write_waiters.append(p)
                k.block(p, SLEEPING, "write", pipe, f"write to {pipe} (full)")
                return BLOCKED
            p.write_rest = None
    p.wait_kind = ""
    p.pc += 1
    return CONTINUE


def op_pipe(k, p, op):
    free = sum(1 for entry in p.fds if entry is None) + FD_LIMIT - len(p.fds)
    if free < 2:
        _fail(k, p, "pipe", ERRNO["EMFILE"])
        p.pc += 1
        return CONTINUE
    pipe = k.new_pipe()
    r = _lowest_free_fd(p)
    p.fds[r] = End(pipe, False)
    w = _lowest_free_fd(p)
    p.fds[w] = End(pipe, True)
    _set(p, op.name, PipeVal(r, w, pipe.id))
    k.emit(k.cpu_of(p), p.pid, "pipe", (pipe.id, r, w))
    p.pc += 1
    return CONTINUE


def read_line(k, p: Proc, fd: int, op: RuntimeOp) -> str:
    buf = p.linebuf.get(fd, "")
    while True:
        i = buf.find("\n")
        if i >= 0:
            p.linebuf[fd] = buf[i + 1:]
            _set(p, op.name, buf[:i])
            p.wait_kind = ""
            p.pc += 1
            return CONTINUE
        entry = p.fds[fd] if 0 <= fd < len(p.fds) else None
        if not isinstance(entry, End) or entry.writing:
            if entry is not TERMINAL:
                _fail(k, p, "read", EBADF)
            break
        pipe = entry.pipe
        if pipe.data:
            data = pipe.read_all()
            k.emit(k.cpu_of(p), p.pid, "read", (fd, pipe.id, len(data), 0))
            buf += data.decode("utf-8", errors="replace")
            k.wake_all(pipe.write_waiters, "room in " + str(pipe))
            continue
        if pipe.writers == 0:
            k.emit(k.cpu_of(p), p.pid, "read", (fd, pipe.id, 0, 0))     # end of file
            break
        p.linebuf[fd] = buf
        pipe.read_waiters.append(p)
        k.block(p, SLEEPING, "read", pipe, f"read from {pipe} (empty)")
        return BLOCKED
    p.wait_kind = ""
    if buf:                                   # a last line without a newline
        p.linebuf[fd] = ""
        _set(p, op.name, buf)
        p.pc += 1
    else:
        p.linebuf.pop(fd, None)
        p.pc = op.jump
    return CONTINUE


def op_close(k, p, op):
    v = op.expr(p)
    if isinstance(v, PipeVal):
        raise ProgramFault("close one end of the pipe: `close p.read` or `close p.write`", op.span)
    fd = _int(v, "close", op.span)
    entry = p.fds[fd] if 0 <= fd < len(p.fds) else None
    if entry is None:
        _fail(k, p, "close", EBADF)
    else:
        p.fds[fd] = None
        p.linebuf.pop(fd, None)
        k.fd_closed(entry)
    p.pc += 1
    return CONTINUE


def op_dup2(k, p, op):
    src = _fd(op.expr(p), op.span, True)
    dst = _int(op.expr2(p), "dup2", op.span)
    entry = p.fds[src] if 0 <= src < len(p.fds) else None
    if entry is None or not 0 <= dst < FD_LIMIT:
        _fail(k, p, "dup2", EBADF)
    elif src != dst:
        while len(p.fds) <= dst:
            p.fds.append(None)
        old = p.fds[dst]
        k.fd_opened(entry)
        p.fds[dst] = entry
        if old is not None:
            k.fd_closed(old)
    p.pc += 1
    return CONTINUE
