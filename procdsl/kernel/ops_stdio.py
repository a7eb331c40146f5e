"""The stdio statements: printf, fprintf, fflush, and the flush exit(3) does; each flush is a write(2).

The buffers are the process's (kernel/stdio.py): fork copies them, exec drops them, `_exit` and
a fatal signal lose them. stderr is unbuffered, as in C: every fprintf to it is one write(2).
"""

from __future__ import annotations

from typing import Optional

from procdsl.core.values import show
from procdsl.kernel.files import fdtable
from procdsl.kernel.ops_io import write_calls
from procdsl.kernel.opsupport import BLOCKED, CONTINUE, _fd
from procdsl.kernel.process import Proc
from procdsl.kernel.stdio import flush_order, stream_for


def op_printf(k, p, op):
    """printf TEXT (fd 1) and fprintf FD TEXT: fputs into the fd's stream."""
    calls: list = []
    if p.write_rest is None:              # else: a wake-up, the writes it was making go on
        fd = 1 if op.expr is None else _fd(op.expr(p), op.span, True)
        text = show(op.expr2(p))
        if fd == 2:
            calls = [(2, text)] if text else []
        else:
            f = fdtable.get(p, fd)
            s = stream_for(p, fd)
            calls = [(fd, data) for data in s.put(text.encode(), f is not None and f.text)]
    if (calls or p.write_rest is not None) and write_calls(k, p, calls) is None:
        return BLOCKED
    p.wait_kind = ""
    p.pc += 1
    return CONTINUE


def op_fflush(k, p, op):
    """fflush FD: that fd's stream; fflush alone: every stream, as fflush(NULL)."""
    fd = None if op.expr is None else _fd(op.expr(p), op.span, True)
    if flush(k, p, fd) is None:
        return BLOCKED
    p.wait_kind = ""
    p.pc += 1
    return CONTINUE


def flush(k, p: Proc, fd: Optional[int] = None) -> Optional[int]:
    """Write out the buffers (fd's stream, or all in _IO_flush_all's order): None while p sleeps."""
    calls: list = []
    if p.write_rest is None and p.stdio:
        streams = flush_order(p.stdio) if fd is None else [s for s in p.stdio if s.fd == fd]
        calls = [(s.fd, data) for s in streams for data in s.flush()]
    if not calls and p.write_rest is None:
        return 0
    return write_calls(k, p, calls)
