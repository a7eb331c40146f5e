"""Sockets as Linux's AF_UNIX has them (and a loopback TCP that behaves the same): receive queues of
messages charged to their sender's send buffer, stream reads that join messages, datagrams that
keep their boundaries, shutdown, end of file and EPIPE when the peer goes.

A message costs its sender what Linux's skb->truesize counts (the data's allocation, rounded as
kmalloc rounds it, plus the sk_buff), and a sender may queue one more while what it has queued
and unread is below SO_SNDBUF: so 278 one-byte writes fill a Unix socket, as on Linux
(docs/evidence/fill.txt). The statements are in kernel/ops_net.py, the address tables in
kernel/files/netspace.py.
"""

from __future__ import annotations

from collections import deque

from procdsl.core.events import NO_PID
from procdsl.core.linux import (
    ERRNO,
    MAX_DGRAM_QLEN,
    O_RDWR,
    POLLERR,
    POLLHUP,
    POLLIN,
    POLLOUT,
    POLLRDHUP,
    SIGPIPE,
    SKB_MAX_HEAD,
    SKB_OVERHEAD,
    SKB_SHINFO,
    SO_SNDBUF_UNIX,
)
from procdsl.kernel import signals
from procdsl.kernel.files.file import OpenFile
from procdsl.kernel.process import SLEEPING

EPIPE, EINVAL, ENOTCONN, ECONNREFUSED, EMSGSIZE = (ERRNO[n] for n in (
    "EPIPE", "EINVAL", "ENOTCONN", "ECONNREFUSED", "EMSGSIZE"))
PAGE = 4096
STREAM_SKB_MAX = min(SO_SNDBUF_UNIX // 2 - 64, SKB_MAX_HEAD + 17 * PAGE)   # one stream message at most
DGRAM_HEAD_MAX = 4 * PAGE - SKB_SHINFO - 64       # SKB_MAX_ALLOC: a datagram's bytes past it go in pages
DGRAM_MAX = SO_SNDBUF_UNIX - 32                   # a bigger datagram fails with EMSGSIZE


def _kmalloc(n: int) -> int:
    size = 64
    while size < n:
        size <<= 1
    return size


def charge(n: int, stream: bool) -> int:
    """skb->truesize of a message of n bytes (x86-64, 4 KiB pages): what it costs its sender's buffer."""
    if stream and n > SKB_MAX_HEAD:               # a small head, the data in page fragments
        return n + 512 + SKB_OVERHEAD
    if not stream and n > DGRAM_HEAD_MAX:
        return _kmalloc(DGRAM_HEAD_MAX + SKB_SHINFO) + SKB_OVERHEAD + -(-(n - DGRAM_HEAD_MAX) // PAGE) * PAGE
    return _kmalloc(-(-n // 64) * 64 + SKB_SHINFO) + SKB_OVERHEAD


class Socket(OpenFile):
    """A socket and the description socket(2), socketpair(2) or accept(2) makes for it (O_RDWR)."""

    __slots__ = ("sid", "family", "stream", "state", "addr", "peer", "rq", "wmem", "rd_shut", "wr_shut",
                 "backlog", "pending", "read_waiters", "write_waiters", "waiters", "taken", "queued_total",
                 "node", "sndbuf")
    kind = "socket"

    def __init__(self, sid: int, family: str, stream: bool, sndbuf: int = SO_SNDBUF_UNIX) -> None:
        super().__init__(O_RDWR)
        self.sid = sid
        self.family = family            # "unix" or "inet" (the loopback TCP)
        self.stream = stream
        self.state = "new"              # new, bound, listening, connected, closed
        self.addr = ""                  # the address bound, as written
        self.peer: Socket | None = None
        self.rq: deque = deque()        # [bytes, charge, sender] per message, oldest first
        self.wmem = 0                   # truesize of this socket's messages still queued somewhere
        self.rd_shut = False            # sk_shutdown's RCV_SHUTDOWN: reads see end of file
        self.wr_shut = False            # SEND_SHUTDOWN: writes fail with EPIPE
        self.backlog = 0
        self.pending: deque = deque()   # a listener's connections not yet accepted
        self.read_waiters: list = []    # recv, accept and poll
        self.write_waiters: list = []   # senders waiting for their buffer; connects waiting for the backlog
        self.waiters: list = []         # datagram senders waiting for room in this receive queue
        self.taken = 0                  # bytes ever taken off the receive queue: a read's offset
        self.queued_total = 0           # bytes ever queued on it: a write's offset
        self.node = None                # the file system's name of a bound Unix socket
        self.sndbuf = sndbuf

    def type_name(self) -> str:
        if self.family == "inet":
            return "tcp"
        return "unix stream" if self.stream else "unix dgram"

    # ------------------------------------------------------------------ data
    def read(self, k, p, fd: int, n: int) -> bytes | int | None:
        """recv(2) with no flags: a stream read joins messages up to n bytes; a datagram read takes
        one message, cut to n bytes (the rest is dropped); end of file once reads are shut."""
        rq = self.rq
        if rq:
            start = self.taken
            out = self._take_stream(k, n) if self.stream else self._take_message(k, n)
            k.emit(k.cpu_of(p), p.pid, "read", (fd, "socket", self.sid, len(out), self.queued_bytes(), start))
            return out
        if self.rd_shut:
            k.emit(k.cpu_of(p), p.pid, "read", (fd, "socket", self.sid, 0, 0, self.taken))
            return b""
        if self.stream and self.state != "connected":
            return -(EINVAL if self.family == "unix" else ENOTCONN)
        self.read_waiters.append(p)
        k.block(p, SLEEPING, "recv", self, _recv_empty)
        return None

    def queued_bytes(self) -> int:
        return self.queued_total - self.taken

    def _take_stream(self, k, n: int) -> bytes:
        rq = self.rq
        parts = []
        while rq and n:
            msg = rq[0]
            data = msg[0]
            if len(data) <= n:
                parts.append(data)
                n -= len(data)
                self._consumed(k, rq.popleft())
            else:
                parts.append(data[:n])
                msg[0] = data[n:]
                n = 0
        out = b"".join(parts)
        self.taken += len(out)
        return out

    def _take_message(self, k, n: int) -> bytes:
        msg = self.rq.popleft()
        data = msg[0]
        self.taken += len(data)            # the cut-off rest is gone too
        self._consumed(k, msg)
        return data[:n]

    def _consumed(self, k, msg: list) -> None:
        """A message read to its end: its sender has room again, and so has this queue."""
        sender = msg[2]
        sender.wmem -= msg[1]
        k.wake_all(sender.write_waiters, "room on ", sender)
        k.wake_all(self.waiters, "room in ", self)

    def write(self, k, p, fd: int, data: bytes, text: str | None = None) -> int:
        return self.send(k, p, fd, data, None, False)

    def send(self, k, p, fd: int, data: bytes, dest: Socket | None, nosignal: bool) -> int:
        """sendmsg: the bytes taken now (fewer when p sleeps for room; the caller sends the rest
        when woken) or -errno; EPIPE raises SIGPIPE unless MSG_NOSIGNAL."""
        if self.wr_shut:
            return self._epipe(k, p, nosignal)
        if self.stream:
            peer = self.peer
            if peer is None or self.state != "connected":
                return -ENOTCONN
            if peer.rd_shut:
                return self._epipe(k, p, nosignal)
            return self._queue_stream(k, p, fd, data, peer)
        if dest is None:
            dest = self.peer
            if dest is None:
                return -ENOTCONN
        if len(data) > DGRAM_MAX:
            return -EMSGSIZE
        if dest.state == "closed":
            if dest is self.peer:
                self.peer = None           # unix_dgram_sendmsg forgets a peer that is gone
            return -ECONNREFUSED
        if dest.rd_shut:
            return self._epipe(k, p, nosignal)
        if not data:
            pass                           # an empty datagram is queued even on a full buffer
        elif dest.peer is not self and len(dest.rq) > MAX_DGRAM_QLEN:
            dest.waiters.append(p)
            k.block(p, SLEEPING, "send", dest, _queue_full)
            return 0
        elif self.wmem >= self.sndbuf:
            self.write_waiters.append(p)
            k.block(p, SLEEPING, "send", self, _buffer_full)
            return 0
        self._put(k, p, fd, dest, data, charge(len(data), False))
        return len(data)

    def _queue_stream(self, k, p, fd: int, data: bytes, peer: Socket) -> int:
        taken = 0
        n = len(data)
        while taken < n and self.wmem < self.sndbuf:
            chunk = data[taken:taken + STREAM_SKB_MAX]
            self._put(k, p, fd, peer, chunk, charge(len(chunk), True))
            taken += len(chunk)
        if taken < n:
            self.write_waiters.append(p)
            k.block(p, SLEEPING, "send", self, _stream_full)
        return taken

    def _put(self, k, p, fd: int, dest: Socket, data: bytes, cost: int) -> None:
        dest.rq.append([data, cost, self])
        self.wmem += cost
        start = dest.queued_total
        dest.queued_total += len(data)
        k.emit(k.cpu_of(p), p.pid, "write", (fd, "socket", dest.sid, len(data), dest.queued_total - dest.taken,
                                             start, data.decode("utf-8", errors="surrogateescape")))
        k.wake_all(dest.read_waiters, "data on ", dest)

    def _epipe(self, k, p, nosignal: bool) -> int:
        if not nosignal:
            signals.generate(k, p, SIGPIPE, sender=NO_PID, source="kernel")
        return -EPIPE

    # ------------------------------------------------------------------ states
    def shutdown(self, k, how: int) -> None:
        """SHUT_RD (0), SHUT_WR (1), SHUT_RDWR (2); a stream peer sees the mirror of it."""
        rd, wr = how in (0, 2), how in (1, 2)
        self.rd_shut |= rd
        self.wr_shut |= wr
        peer = self.peer
        if self.stream and peer is not None:
            peer.rd_shut |= wr
            peer.wr_shut |= rd
            peer.wake_everyone(k, "peer shut down")
        self.wake_everyone(k, "shutdown")

    def wake_everyone(self, k, why: str) -> None:
        k.wake_all(self.read_waiters, why)
        k.wake_all(self.write_waiters, why)
        k.wake_all(self.waiters, why)

    def release(self, k) -> None:
        """The last fd closed: a stream peer sees end of file and EPIPE, waiting connects are
        refused, unread messages go back to their senders' buffers, the address is free again."""
        self.state = "closed"
        for conn in self.pending:
            conn.release(k)
        self.pending.clear()
        peer = self.peer
        if peer is not None and self.stream and peer.state != "closed":
            peer.rd_shut = peer.wr_shut = True
            peer.wake_everyone(k, "peer closed")
        woken = []
        for msg in self.rq:
            msg[2].wmem -= msg[1]
            woken.append(msg[2])
        self.rq.clear()
        for sender in woken:
            k.wake_all(sender.write_waiters, "room on ", sender)
        self.wake_everyone(k, "closed")
        k.net.unbind(self)

    # ------------------------------------------------------------------ poll
    def poll_mask(self) -> int:
        """unix_poll: POLLIN with data, a pending connection or reads shut; POLLHUP when both ways
        are shut or a stream is not connected; POLLOUT while a quarter of the buffer or less is used."""
        mask = 0
        if self.rq or self.pending or self.rd_shut:
            mask |= POLLIN
        if self.rd_shut:
            mask |= POLLRDHUP
        if (self.rd_shut and self.wr_shut) or (self.stream and self.state in ("new", "bound", "closed")):
            mask |= POLLHUP
        if self.state != "listening" and self.wmem << 2 <= self.sndbuf:
            mask |= POLLOUT
        if not self.stream and self.peer is not None and self.peer.state == "closed":
            mask |= POLLERR
        return mask

    def poll_wait(self, table: list, events: int) -> None:
        """Readers' list for POLLIN (and the hang-ups, which wake everyone), senders' for POLLOUT."""
        if events & POLLIN or not events & POLLOUT:
            table.append(self.read_waiters)
        if events & POLLOUT:
            table.append(self.write_waiters)

    def name(self) -> str:
        return str(self)

    def __str__(self) -> str:
        return f"socket#{self.sid}" + (f" ({self.addr})" if self.addr else "")


def connect_pair(a: Socket, b: Socket) -> None:
    a.peer, b.peer = b, a
    a.state = b.state = "connected"


# the trace's words for a wait, formatted only if the block record is kept (RunQueues.block)
def _recv_empty(p) -> str:
    return f"recv on {p.wait_on} (empty)"


def _queue_full(p) -> str:
    return f"send to {p.wait_on} (its queue of {len(p.wait_on.rq)} messages is full)"


def _buffer_full(p) -> str:
    return f"send on {p.wait_on} (send buffer full)"


def _stream_full(p) -> str:
    return f"send on {p.wait_on} (send buffer full: {p.wait_on.wmem} of {p.wait_on.sndbuf})"
