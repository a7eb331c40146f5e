"""What sockets carried, as the events tell it: the bytes each process sent and received, the
connections it accepted and the polls it made, at any instant. An observer like model.Model."""

from __future__ import annotations

from typing import Any, Callable

from procdsl.check.files import _bytes

ProcInfo = Any        # check.model.ProcInfo


class SocketModel:
    def __init__(self, model) -> None:
        self.model = model
        self.streams: dict[int, bytearray] = {}                 # socket -> every byte ever queued on it
        self.sent: dict[ProcInfo, list[tuple[int, bytes]]] = {}
        self.received: dict[ProcInfo, list[tuple[int, bytes]]] = {}
        self.accepts: dict[ProcInfo, list[int]] = {}
        self.handlers: dict[str, Callable] = {"write": self._on_write, "read": self._on_read,
                                              "accept": self._on_accept}

    def _on_write(self, ev, p, _i) -> None:
        if ev.detail[1] != "socket" or p is None:
            return
        data = _bytes(ev.detail[6])
        self.streams.setdefault(ev.detail[2], bytearray()).extend(data)
        self.sent.setdefault(p, []).append((ev.time, data))

    def _on_read(self, ev, p, _i) -> None:
        _fd, obj, sid, count, _queued, offset = ev.detail
        if obj != "socket" or p is None or not count:
            return
        stream = self.streams.get(sid, b"")
        self.received.setdefault(p, []).append((ev.time, bytes(stream[offset:offset + count])))

    def _on_accept(self, ev, p, _i) -> None:
        if p is not None:
            self.accepts.setdefault(p, []).append(ev.time)

    @staticmethod
    def _text(log: list[tuple[int, bytes]], t: int) -> str:
        return b"".join(data for when, data in log if when <= t).decode("utf-8", errors="replace")


SOCKET_QUERIES: dict[str, Callable] = {
    "sent": lambda env, p: SocketModel._text(env.model.sockets.sent.get(p, []), env.t),
    "received": lambda env, p: SocketModel._text(env.model.sockets.received.get(p, []), env.t),
    "accepted": lambda env, p: sum(1 for t in env.model.sockets.accepts.get(p, []) if t <= env.t),
}
