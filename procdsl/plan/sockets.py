"""The socket statements and poll compiled: socket types, SHUT_* and poll events become numbers."""

from __future__ import annotations

from typing import Any, Callable

from procdsl import ir
from procdsl.core.linux import POLL_EVENTS, POLLIN, SHUT

# `socket TYPE`: (family, stream?)
SOCKET_TYPES = {"stream": ("unix", True), "dgram": ("unix", False), "tcp": ("inet", True)}
SOCKETPAIR_TYPES = {"stream": True, "dgram": False}


def _lit(span, value) -> ir.Lit:
    t = "bool" if isinstance(value, bool) else "int" if isinstance(value, int) else "str"
    return ir.build(ir.Lit, span=span, type=t, value=value)


def _poll(s) -> dict:
    mask = 0
    for name in s.events:
        mask |= POLL_EVENTS[name]
    return {"expr": s.fds, "expr2": s.timeout, "name": s.into,
            "args": (_lit(s.span, mask or POLLIN), _lit(s.span, s.buffer or ""))}


def _fd(s) -> ir.Expr:
    return s.fd.expr


# statement kind -> the fields of its op
SOCKET_OPS: dict[str, Callable[[Any], dict]] = {
    "socket": lambda s: {"name": s.into, "args": (_lit(s.span, SOCKET_TYPES[s.word][0]),
                                                  _lit(s.span, SOCKET_TYPES[s.word][1]))},
    "socketpair": lambda s: {"name": s.into, "args": (_lit(s.span, SOCKETPAIR_TYPES[s.word]),)},
    "bind": lambda s: {"expr": _fd(s), "expr2": s.value, "name": s.into},
    "listen": lambda s: {"expr": _fd(s), "expr2": s.value, "name": s.into},
    "accept": lambda s: {"expr": _fd(s), "name": s.into},
    "connect": lambda s: {"expr": _fd(s), "expr2": s.value, "name": s.into},
    "sendto": lambda s: {"expr": _fd(s), "expr2": s.value, "name": s.into, "flag": s.word == "MSG_NOSIGNAL",
                         "args": (s.to,) if s.to is not None else ()},
    "recv": lambda s: {"expr": _fd(s), "expr2": s.value, "name": s.into,
                       "args": (_lit(s.span, s.buffer),) if s.buffer else ()},
    "shutdown": lambda s: {"expr": _fd(s), "name": s.into, "args": (_lit(s.span, SHUT[s.word]),)},
    "poll": _poll,
}
