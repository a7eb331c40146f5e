"""Statements on sockets: socket, socketpair, bind, listen, accept, connect, sendto, recv, shutdown.

The socket itself is kernel/files/socket.py and its addresses kernel/files/netspace.py; `read`,
`write` and `close` work on a socket fd as on any other (ops_io), as read(2) and write(2) do.
"""

from __future__ import annotations

from typing import Any

from procdsl.core.linux import ERRNO, SIGPIPE, canonical_path
from procdsl.core.values import ProgramFault, show, type_name
from procdsl.kernel.files import fdtable
from procdsl.kernel.files.socket import Socket, connect_pair
from procdsl.kernel.ops_io import Writes, _done, _sleeps, op_read
from procdsl.kernel.opsupport import (
    BLOCKED,
    EBADF,
    EMFILE,
    EPIPE,
    _fail,
    _fd,
    _int,
    copied,
    interrupted,
)
from procdsl.kernel.process import SLEEPING

ENOTSOCK, EINVAL, EISCONN = ERRNO["ENOTSOCK"], ERRNO["EINVAL"], ERRNO["EISCONN"]


def _failed(k, p, op, call: str, err: int) -> str:
    _fail(k, p, call, err)
    return _done(p, op, -1)


def _socket(k, p, op, call: str, writing: bool = True):
    """The socket an fd names, or the errno (EBADF: not open; ENOTSOCK: not a socket)."""
    fd = _fd(op.expr(p), op.span, writing)
    f = fdtable.get(p, fd)
    if f is None:
        return fd, EBADF
    if type(f) is not Socket:
        return fd, ENOTSOCK
    return fd, f


def _address(v: Any, span: Any) -> str:
    if not isinstance(v, str):
        raise ProgramFault(f"a socket address is a string (a path, or \"127.0.0.1:8080\"), not a {type_name(v)} "
                           f"({show(v)})", span)
    return v


def _install(k, p, s: Socket) -> int:
    fd = fdtable.lowest_free(p)
    fdtable.install(p, fd, s)
    return fd


def op_socket(k, p, op):
    family, stream = op.aux
    if fdtable.free_count(p) < 1:
        return _failed(k, p, op, "socket", EMFILE)
    s = k.net.new(family, stream)
    fd = _install(k, p, s)
    k.emit(k.cpu_of(p), p.pid, "socket", (fd, s.sid, s.type_name()))
    return _done(p, op, fd)


def op_socketpair(k, p, op):
    """socketpair(AF_UNIX): two connected sockets, as a list of their two fds."""
    if fdtable.free_count(p) < 2:
        return _failed(k, p, op, "socketpair", EMFILE)
    a, b = k.net.new("unix", op.aux), k.net.new("unix", op.aux)
    connect_pair(a, b)
    fa = _install(k, p, a)
    fb = _install(k, p, b)
    k.emit(k.cpu_of(p), p.pid, "socketpair", (fa, fb, a.sid, b.sid, a.type_name()))
    return _done(p, op, (fa, fb))


def op_bind(k, p, op):
    fd, s = _socket(k, p, op, "bind")
    addr = _address(op.expr2(p), op.span)
    if type(s) is int:
        return _failed(k, p, op, "bind", s)
    made = k.net.bind(k, p, s, addr)
    if type(made) is int and made:
        return _failed(k, p, op, f'bind "{addr}"', made)
    if type(made) is tuple:
        ino, uid, gid, mode = made
        k.emit(k.cpu_of(p), p.pid, "inode", (canonical_path(addr), "socket", ino, uid, gid, mode, ""))
    k.emit(k.cpu_of(p), p.pid, "bind", (fd, s.sid, s.addr))
    return _done(p, op, 0)


def op_listen(k, p, op):
    fd, s = _socket(k, p, op, "listen")
    backlog = _int(op.expr2(p), "listen", op.span)
    if type(s) is int:
        return _failed(k, p, op, "listen", s)
    err = k.net.listen(p, s, backlog)
    if err:
        return _failed(k, p, op, "listen", err)
    k.emit(k.cpu_of(p), p.pid, "listen", (fd, s.sid, s.backlog))
    return _done(p, op, 0)


def op_accept(k, p, op):
    """accept(2): the oldest connection waiting, on the lowest free fd; sleeps while there is none."""
    if p.eintr and interrupted(k, p, "accept"):
        return _done(p, op, -1)
    fd, s = _socket(k, p, op, "accept")
    if type(s) is int:
        return _failed(k, p, op, "accept", s)
    if s.state != "listening":
        return _failed(k, p, op, "accept", EINVAL)
    if not s.pending:
        s.read_waiters.append(p)
        k.block(p, SLEEPING, "accept", s, _no_connection)
        return BLOCKED
    if fdtable.free_count(p) < 1:
        return _failed(k, p, op, "accept", EMFILE)
    conn = s.pending.popleft()
    new = _install(k, p, conn)
    k.emit(k.cpu_of(p), p.pid, "accept", (fd, s.sid, new, conn.sid))
    k.wake_all(s.write_waiters, "room in the backlog of ", s)
    return _done(p, op, new)


def op_connect(k, p, op):
    """connect(2): a stream connects at once while the listener's backlog has room, and sleeps
    while it is full; a datagram socket only records where its messages go."""
    if p.eintr and interrupted(k, p, "connect"):
        return _done(p, op, -1)
    fd, s = _socket(k, p, op, "connect")
    addr = _address(op.expr2(p), op.span)
    if type(s) is int:
        return _failed(k, p, op, "connect", s)
    call = f'connect "{addr}"'
    target = k.net.find(k, p, s, addr)
    if type(target) is int:
        return _failed(k, p, op, call, target)
    if not s.stream:
        s.peer = target
        k.emit(k.cpu_of(p), p.pid, "connect", (fd, s.sid, target.addr, target.sid))
        return _done(p, op, 0)
    conn = k.net.connect(k, p, s, target)
    if conn is None:
        target.write_waiters.append(p)
        k.block(p, SLEEPING, "connect", target, _backlog_full)
        return BLOCKED
    if type(conn) is int:
        return _failed(k, p, op, call, conn)
    k.emit(k.cpu_of(p), p.pid, "connect", (fd, s.sid, target.addr, conn.sid))
    wake_one_accepter(k, target)
    return _done(p, op, 0)


def wake_one_accepter(k, listener: Socket) -> None:
    """A new connection wakes every poller but only the first process asleep in accept: accept
    waits exclusively (inet_csk_wait_for_connect), so there is no thundering herd."""
    waiters = listener.read_waiters
    why = "a connection to " + str(listener)
    first = True
    for q in list(waiters):
        if q.wait_kind == "poll":
            k.wake(q, why)
        elif first and q.state == SLEEPING:
            first = False
            k.wake(q, why)


def op_sendto(k, p, op):
    """sendto(2): like write on a connected socket; to an address on a datagram socket; with
    MSG_NOSIGNAL an EPIPE comes without SIGPIPE. A stream send that sleeps for room goes on
    from where it was when woken (p.write_rest), as write does."""
    w = p.write_rest
    if w is not None:
        p.write_rest = None
        fd, data, addr = w.calls[0]
        sent = w.sent
        if p.eintr:
            if sent:
                p.eintr = False
                return _done(p, op, sent)
            interrupted(k, p, "sendto")
            return _done(p, op, -1)
    else:
        sent = 0
        if p.eintr and interrupted(k, p, "sendto"):
            return _done(p, op, -1)
        fd = _fd(op.expr(p), op.span, True)
        data = op.expr2(p)
        data = (data if isinstance(data, str) else show(data)).encode()
        addr = _address(op.args[0](p), op.span) if op.args else None
    f = fdtable.get(p, fd)
    if f is None or type(f) is not Socket:
        return _failed(k, p, op, "sendto", EBADF if f is None else ENOTSOCK)
    dest = None
    if addr is not None:
        if f.stream:
            return _failed(k, p, op, "sendto", EISCONN)
        dest = k.net.find(k, p, f, addr)
        if type(dest) is int:
            return _failed(k, p, op, f'sendto "{addr}"', dest)
    n = f.send(k, p, fd, data[sent:] if sent else data, dest, op.flag)
    if n < 0:
        if sent:
            return _done(p, op, sent)
        if -n == EPIPE and p.sigpending and p.handlers.get(SIGPIPE) is None and not op.flag:
            p.errno = EPIPE                  # a default SIGPIPE kills before EPIPE is seen
            return _done(p, op, -1)
        return _failed(k, p, op, "sendto", -n)
    sent += n
    copied(k, p, n)
    if _sleeps(p, f):
        p.write_rest = Writes([(fd, data, addr)], 0, sent)
        return BLOCKED
    return _done(p, op, sent)


def op_recv(k, p, op):
    """recv(2) with no flags: read(2) on a socket (ENOTSOCK on anything else)."""
    fd = _fd(op.expr(p), op.span, False)
    f = fdtable.get(p, fd)
    if f is not None and type(f) is not Socket:
        return _failed(k, p, op, "recv", ENOTSOCK)
    return op_read(k, p, op)


def op_shutdown(k, p, op):
    fd, s = _socket(k, p, op, "shutdown")
    if type(s) is int:
        return _failed(k, p, op, "shutdown", s)
    how = op.aux
    if s.family == "inet" and s.state != "connected":
        return _failed(k, p, op, "shutdown", ERRNO["ENOTCONN"])
    s.shutdown(k, how)
    k.emit(k.cpu_of(p), p.pid, "shutdown", (fd, s.sid, ("SHUT_RD", "SHUT_WR", "SHUT_RDWR")[how]))
    return _done(p, op, 0)


# the trace's words for a wait, formatted only if the block record is kept (RunQueues.block)
def _no_connection(p) -> str:
    return f"accept on {p.wait_on} (no connection waiting)"


def _backlog_full(p) -> str:
    return f"connect to {p.wait_on} (its backlog of {p.wait_on.backlog} is full)"
