"""The lowering of the socket statements and poll (mixed into lower.Lower)."""

from __future__ import annotations

from procdsl import ir


class SocketRules:
    """One method per grammar rule, as in Lower; they use its span helpers."""

    def _sock(self, kind, meta, **fields):
        return ir.build(ir.SockCall, span=self.span(meta), kind=kind, **fields)

    def _word(self, tok) -> dict:
        return {"word": str(tok), "word_span": self.tspan(tok)}

    def socket_call(self, meta, c):
        return self._sock("socket", meta, **self._word(c[0]))

    def socketpair_call(self, meta, c):
        return self._sock("socketpair", meta, **self._word(c[0]))

    def bind_call(self, meta, c):
        return self._sock("bind", meta, fd=c[0], value=c[1])

    def listen_call(self, meta, c):
        return self._sock("listen", meta, fd=c[0], value=c[1])

    def accept_call(self, meta, c):
        return self._sock("accept", meta, fd=c[0])

    def connect_call(self, meta, c):
        return self._sock("connect", meta, fd=c[0], value=c[1])

    def sendto_call(self, meta, c):
        fd, data, to, flag = c
        return self._sock("sendto", meta, fd=fd, value=data, to=to, **(self._word(flag) if flag is not None else {}))

    def recv_call(self, meta, c):
        fd, count, _into, buffer = c
        return self._sock("recv", meta, fd=fd, value=count, buffer=str(buffer) if buffer is not None else None)

    def shutdown_call(self, meta, c):
        return self._sock("shutdown", meta, fd=c[0], **self._word(c[1]))

    def poll_call(self, meta, c):
        fds, *rest = c
        buffer = rest.pop()
        rest.pop()                           # `into`
        timeout = rest.pop()
        rest.pop()                           # `timeout`
        return ir.build(ir.Poll, span=self.span(meta), fds=fds, events=tuple(str(e) for e in rest),
                        event_spans=tuple(self.tspan(e) for e in rest), timeout=timeout,
                        buffer=str(buffer) if buffer is not None else None)
