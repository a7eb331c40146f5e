"""Static checks of the socket statements and poll: socket types, SHUT_* and poll events by name."""

from __future__ import annotations

from procdsl import ir
from procdsl.core.linux import SHUT
from procdsl.lang.diagnostics import did_you_mean

SOCKET_STATEMENTS = frozenset(("socket", "socketpair", "bind", "listen", "accept", "connect", "sendto", "recv",
                               "shutdown", "poll"))
SOCKET_TYPES = ("stream", "dgram", "tcp")
POLL_ASKED = ("POLLIN", "POLLOUT")
_C_TYPES = {"SOCK_STREAM": "stream", "SOCK_DGRAM": "dgram", "AF_INET": "tcp", "AF_UNIX": "stream"}


def socket_statement(v, s) -> None:
    k = s.kind
    if k in ("socket", "socketpair"):
        known = SOCKET_TYPES if k == "socket" else SOCKET_TYPES[:2]
        if s.word not in known:
            hint = (f"write `{k} {_C_TYPES[s.word]}`" if s.word in _C_TYPES and _C_TYPES[s.word] in known
                    else "stream and dgram are Unix-domain sockets" + ("; tcp is the loopback TCP" if k == "socket" else ""))
            v.error(f"unknown {k} type '{s.word}'{did_you_mean(s.word, known)}", s.word_span, hint)
        if s.into is None:
            v.error(f"`{k}` makes {'an fd' if k == 'socket' else 'two fds'}: keep {'it' if k == 'socket' else 'them'}",
                    s.span, f"write `{'s' if k == 'socket' else 'sv'} = {k} {s.word}`")
    elif k == "shutdown" and s.word not in SHUT:
        v.error(f"unknown shutdown direction '{s.word}'{did_you_mean(s.word, SHUT)}", s.word_span,
                "SHUT_RD (no more reading), SHUT_WR (no more writing: the peer reads end of file) or SHUT_RDWR")
    elif k == "sendto" and s.word is not None and s.word != "MSG_NOSIGNAL":
        v.error(f"unknown sendto flag '{s.word}'", s.word_span, "procdsl knows MSG_NOSIGNAL")
    elif k == "poll":
        seen = []
        for name, span in zip(s.events, s.event_spans):
            if name not in POLL_ASKED:
                v.error(f"unknown poll event '{name}'{did_you_mean(name, POLL_ASKED)}", span,
                        "ask for POLLIN and/or POLLOUT; POLLERR, POLLHUP and POLLNVAL are always reported")
            elif name in seen:
                v.error(f"'{name}' is given twice", span)
            seen.append(name)


def socket_exprs(s) -> list[ir.Expr]:
    if s.kind == "poll":
        return [e for e in (s.fds, s.timeout) if e is not None]
    return [e for e in (s.fd.expr if s.fd is not None else None, s.value, s.to) if e is not None]
