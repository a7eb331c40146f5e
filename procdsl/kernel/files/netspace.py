"""Where sockets are found by address: Unix sockets by a name in the file system, the loopback
TCP by a port; binding, listening and connecting as Linux answers them (docs/linux-fidelity.md).

A Unix socket bound to a path is a socket inode in its directory (srwxr-xr-x after the umask): the
name stays after the socket closes, so a connect then is refused, and only `unlink` frees it. The
loopback TCP has one table of ports for 127.0.0.1, localhost and 0.0.0.0 and no network under it.
"""

from __future__ import annotations

from typing import Union

from procdsl.core.linux import EPHEMERAL_PORTS, ERRNO, SO_SNDBUF_UNIX, SOMAXCONN, UMASK, UNIX_PATH_MAX
from procdsl.kernel.files.fs import W, X, may
from procdsl.kernel.files.regular import Inode
from procdsl.kernel.files.socket import Socket, connect_pair

EADDRINUSE, EADDRNOTAVAIL, EINVAL, ENOENT, EACCES, ECONNREFUSED, EPROTOTYPE, EISCONN, EOPNOTSUPP = (
    ERRNO[n] for n in ("EADDRINUSE", "EADDRNOTAVAIL", "EINVAL", "ENOENT", "EACCES", "ECONNREFUSED",
                       "EPROTOTYPE", "EISCONN", "EOPNOTSUPP"))
LOOPBACK = ("127.0.0.1", "localhost", "0.0.0.0")


class SocketNode(Inode):
    """A bound Unix socket's name: open(2) on it fails with ENXIO; connect finds the socket through it."""

    __slots__ = ("sock",)

    def __init__(self, ino: int, uid: int, sock: Socket) -> None:
        super().__init__(ino, uid, uid, 0o777 & ~UMASK)
        self.sock: Socket | None = sock


def inet_port(addr: str) -> Union[int, str]:
    """The port of "127.0.0.1:8080"; a message when the text is not such an address."""
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit() or not port.isascii() or int(port) > 65535:
        return f"'{addr}' is not an address and port such as \"127.0.0.1:8080\""
    return int(port)


class Net:
    __slots__ = ("ports", "next_sid", "next_port")

    def __init__(self) -> None:
        self.ports: dict[int, Socket] = {}
        self.next_sid = 0
        self.next_port = EPHEMERAL_PORTS[0]

    def new(self, family: str, stream: bool) -> Socket:
        self.next_sid += 1
        return Socket(self.next_sid, family, stream, SO_SNDBUF_UNIX)

    # ------------------------------------------------------------------ bind
    def bind(self, k, p, s: Socket, addr: str) -> Union[int, tuple]:
        """0, or an errno; for a Unix socket also the `inode` event's detail of the name it made."""
        if s.state != "new":
            return EINVAL
        if s.family == "inet":
            err = self._bind_port(p, s, addr)
            return err
        if not addr or len(addr.encode()) >= UNIX_PATH_MAX:
            return EINVAL if addr else ENOENT
        found = k.fs.resolve(p, addr)
        if type(found) is int:
            return found
        parent, name, node = found
        if node is not None or addr.endswith("/"):
            return EADDRINUSE
        if not may(parent, p, W | X):
            return EACCES
        fs = k.fs
        node = SocketNode(fs._ino(), p.uid, s)
        parent.entries[name] = node
        s.node = node
        s.addr = addr
        s.state = "bound"
        return (node.ino, node.uid, node.gid, node.mode)

    def _bind_port(self, p, s: Socket, addr: str) -> int:
        port = inet_port(addr)
        if type(port) is str:
            return EINVAL
        if addr.rpartition(":")[0] not in LOOPBACK:
            return EADDRNOTAVAIL
        if port == 0:
            port = self._ephemeral()
            if port < 0:
                return EADDRINUSE
        elif port in self.ports:
            return EADDRINUSE
        elif port < 1024 and p.uid != 0:
            return EACCES
        self.ports[port] = s
        s.addr = f"127.0.0.1:{port}"
        s.state = "bound"
        return 0

    def _ephemeral(self) -> int:
        lo, hi = EPHEMERAL_PORTS
        for _ in range(hi - lo + 1):
            port = self.next_port
            self.next_port = lo if port == hi else port + 1
            if port not in self.ports:
                return port
        return -1

    def unbind(self, s: Socket) -> None:
        if s.node is not None:
            s.node.sock = None                 # the name stays: connect is refused, bind says EADDRINUSE
            s.node = None
        elif s.family == "inet" and s.addr:
            port = int(s.addr.rpartition(":")[2])
            if self.ports.get(port) is s:
                del self.ports[port]

    # ------------------------------------------------------------------ listen, connect
    def listen(self, p, s: Socket, backlog: int) -> int:
        if not s.stream:
            return EOPNOTSUPP
        if s.state == "connected":
            return EINVAL
        if s.state == "new":
            if s.family == "unix":
                return EINVAL                  # an unbound Unix socket cannot listen
            err = self._bind_port(p, s, "127.0.0.1:0")
            if err:
                return err
        s.backlog = min(max(backlog, 0), SOMAXCONN)
        s.state = "listening"
        return 0

    def find(self, k, p, s: Socket, addr: str) -> Union[int, Socket]:
        """The socket an address names, or the errno connect or sendto gives."""
        if s.family == "inet":
            port = inet_port(addr)
            if type(port) is str:
                return EINVAL
            target = self.ports.get(port) if addr.rpartition(":")[0] in LOOPBACK else None
            if target is None or target.state == "closed":
                return ECONNREFUSED
        else:
            found = k.fs.resolve(p, addr) if addr else ENOENT
            if type(found) is int:
                return found
            node = found[2]
            if node is None:
                return ENOENT
            if not may(node, p, W):                    # connecting needs write permission on the name
                return EACCES
            target = node.sock if type(node) is SocketNode else None
            if target is None:
                return ECONNREFUSED
        if target.stream != s.stream:
            return EPROTOTYPE
        return target

    def connect(self, k, p, s: Socket, target: Socket) -> Union[int, Socket, None]:
        """A stream connect: the new connection (the socket accept will return), an errno, or None
        when the backlog is full (the caller sleeps until an accept makes room)."""
        if s.state == "connected":
            return EISCONN
        if s.state == "listening":
            return EINVAL
        if target.state != "listening":
            return ECONNREFUSED
        if len(target.pending) > target.backlog:     # sk_ack_backlog > sk_max_ack_backlog: backlog + 1 fit
            return None
        if s.family == "inet" and s.state == "new":
            err = self._bind_port(p, s, "127.0.0.1:0")
            if err:
                return err
        conn = self.new(s.family, True)
        conn.addr = target.addr
        connect_pair(s, conn)
        target.pending.append(conn)
        return conn
