"""poll(2) on any fds: what each kind of open file finds ready (its poll_mask), a timeout, EINTR.

A poller that finds nothing ready sleeps on the wait lists of every object it polls (each kind's
poll_wait names them) and on a timer; any wake-up runs the call again, which looks at every fd
afresh, as do_poll does after each wake-up.
"""

from __future__ import annotations

from procdsl.core.linux import POLL_EVENTS, POLLERR, POLLHUP, POLLNVAL
from procdsl.core.values import Dur, ProgramFault, brief
from procdsl.kernel.opsupport import BLOCKED, CONTINUE, EINTR, EINVAL, _fail, _set, interrupted
from procdsl.kernel.process import SLEEPING

FOREVER = 1 << 62
MAX_FDS = 1024               # RLIMIT_NOFILE: poll(2) with more entries fails with EINVAL
_NAMES = tuple((bit, name) for name, bit in POLL_EVENTS.items())


class PollTable:
    """The wait lists one sleeping poll is on; waking the poller takes it off all of them."""

    __slots__ = ("polled", "fds")

    def __init__(self, fds: tuple) -> None:
        self.polled: list = []
        self.fds = fds

    def __str__(self) -> str:
        return "poll on fds " + ", ".join(str(fd) for fd in self.fds)


def revents_text(mask: int) -> str:
    return "|".join(name for bit, name in _NAMES if mask & bit)


def _fd_list(v, span) -> tuple:
    if isinstance(v, int) and not isinstance(v, bool):
        return (int(v),)
    if isinstance(v, tuple) and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        return tuple(int(x) for x in v)
    raise ProgramFault(f"poll takes a list of file descriptors, not {brief(v)}", span)


def _timeout(v, span) -> int:
    """-1 (or none given): no timeout; 0: look once; a duration: how long to sleep at most."""
    if v is None or (type(v) is int and v == -1):
        return -1
    if isinstance(v, Dur) and v >= 0:
        return int(v)
    if type(v) is int and v == 0:
        return 0
    raise ProgramFault(f"poll's timeout is a duration, 0 or -1, not {brief(v)}", span)


def _finish(k, p, op, result, ready) -> str:
    p.sleep_until = -1
    if op.name:
        _set(p, op.name, result)
    buffer = op.aux[1]
    if buffer:
        _set(p, buffer, ready)
    p.wait_kind = ""
    p.pc += 1
    return CONTINUE


def op_poll(k, p, op):
    """n = poll FDS EVENTS [timeout T] [into READY]: n entries with something to report, READY
    their [fd, "POLLIN|POLLHUP"] pairs; 0 at the timeout; -1 with EINTR after a handler."""
    events, _buffer = op.aux
    fds = _fd_list(op.expr(p), op.span)
    if p.eintr and interrupted(k, p, "poll"):
        return _finish(k, p, op, -1, ())
    if len(fds) > MAX_FDS:
        _fail(k, p, "poll", EINVAL)
        return _finish(k, p, op, -1, ())
    table = p.fds
    ready = []
    wanted = events | POLLERR | POLLHUP
    for fd in fds:
        if fd < 0:
            continue                         # ignored, as poll(2) ignores a negative fd
        f = table[fd] if fd < len(table) else None
        mask = POLLNVAL if f is None else f.poll_mask() & wanted
        if mask:
            ready.append((fd, revents_text(mask)))
    if p.sleep_until < 0:
        timeout = _timeout(op.expr2(p) if op.expr2 is not None else None, op.span)
        p.sleep_until = FOREVER if timeout < 0 else k.now + timeout
    elif not ready and type(p.wait_on) is not PollTable:
        # a handler ran while it slept (run_handler forgets what it waited on): do_poll gives
        # -ERESTARTNOHAND, which is EINTR whatever SA_RESTART says; what is ready wins over it
        _fail(k, p, "poll", EINTR)
        return _finish(k, p, op, -1, ())
    if ready or k.now >= p.sleep_until:
        k.emit(k.cpu_of(p), p.pid, "poll", (len(fds), len(ready), " ".join(f"{fd}:{r}" for fd, r in ready)))
        return _finish(k, p, op, len(ready), tuple(ready))
    wait = PollTable(fds)
    for fd in fds:
        if fd >= 0:
            table[fd].poll_wait(wait.polled, events)
    for waiters in wait.polled:
        if p not in waiters:
            waiters.append(p)
    k.block(p, SLEEPING, "poll", wait, _polling)
    if p.sleep_until != FOREVER:
        k.timer(p, p.sleep_until)
    return BLOCKED


def _polling(p) -> str:
    """The trace's words for the wait, formatted only if the block record is kept (RunQueues.block)."""
    return str(p.wait_on)
