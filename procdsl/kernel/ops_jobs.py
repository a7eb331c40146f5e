"""Statements on sessions, process groups and the terminal: setsid, setpgid, getpgid, getsid, getpgrp,
tcsetpgrp, tcgetpgrp (the rules are in kernel/jobctl.py)."""

from __future__ import annotations

from procdsl.core.linux import ERRNO, O_NOCTTY, SIGTTOU
from procdsl.kernel import jobctl
from procdsl.kernel.files import fdtable
from procdsl.kernel.files.terminal import TerminalFile
from procdsl.kernel.opsupport import CONTINUE, EBADF, _fail, _fd, _int, _set

ENOTTY, ESRCH, EPERM, EINVAL, EIO = (ERRNO[n] for n in ("ENOTTY", "ESRCH", "EPERM", "EINVAL", "EIO"))


def _result(k, p, op, call: str, value: int) -> str:
    """A call's result: -errno becomes -1 with errno and a `fail` event."""
    if value < 0:
        _fail(k, p, call, -value)
        value = -1
    if op.name:
        _set(p, op.name, value)
    p.pc += 1
    return CONTINUE


def op_setsid(k, p, op):
    return _result(k, p, op, "setsid", jobctl.setsid(k, p))


def op_setpgid(k, p, op):
    pid = _int(op.expr(p), "setpgid", op.span)
    pgid = _int(op.expr2(p), "setpgid", op.span)
    return _result(k, p, op, "setpgid", jobctl.setpgid(k, p, pid, pgid))


def op_getid(k, p, op):
    """getpgid(pid) and getsid(pid) (op.aux names which); 0 is the caller; ESRCH for no such process."""
    pid = _int(op.expr(p), op.aux, op.span) if op.expr is not None else 0
    q = p if pid == 0 else k.procs.get(pid)
    if q is None or pid < 0:
        return _result(k, p, op, op.aux, -ESRCH)
    return _result(k, p, op, op.aux, q.sid if op.aux == "getsid" else q.pgid)


def _terminal(k, p, op):
    """The terminal behind the fd operand, or an errno (EBADF: not open; ENOTTY: not a terminal)."""
    f = fdtable.get(p, _fd(op.expr(p), op.span, False))
    if f is None:
        return EBADF
    if not isinstance(f, TerminalFile):
        return ENOTTY
    return f.tty


def op_tcsetpgrp(k, p, op):
    """tcsetpgrp(3) = ioctl TIOCSPGRP (tiocspgrp): SIGTTOU first for a background caller, then the
    terminal must be the caller's own and the group one of its session."""
    tty = _terminal(k, p, op)
    if type(tty) is int:
        return _result(k, p, op, "tcsetpgrp", -tty)
    check = jobctl.tty_check(k, p, tty, SIGTTOU)
    if check == jobctl.RESTART:
        return CONTINUE                      # stopped by SIGTTOU; the call runs again when continued
    if check:
        return _result(k, p, op, "tcsetpgrp", -ENOTTY)      # -EIO becomes ENOTTY here
    pgid = _int(op.expr2(p), "tcsetpgrp", op.span)
    if pgid < 0:
        return _result(k, p, op, "tcsetpgrp", -EINVAL)
    if p.ctty is not tty or tty.sid != p.sid:
        return _result(k, p, op, "tcsetpgrp", -ENOTTY)
    session = k.groups.session_of(pgid)
    if session is None:
        q = k.procs.get(pgid)
        if q is None:
            return _result(k, p, op, "tcsetpgrp", -ESRCH)
        session = q.sid
    if session != p.sid:
        return _result(k, p, op, "tcsetpgrp", -EPERM)
    tty.set_foreground(k, p.pid, tty.sid, pgid)
    return _result(k, p, op, "tcsetpgrp", 0)


def op_tcgetpgrp(k, p, op):
    """tcgetpgrp(3): the foreground group of the caller's own terminal (0 when it is outside the machine)."""
    tty = _terminal(k, p, op)
    if type(tty) is int:
        return _result(k, p, op, "tcgetpgrp", -tty)
    if p.ctty is not tty:
        return _result(k, p, op, "tcgetpgrp", -ENOTTY)
    return _result(k, p, op, "tcgetpgrp", max(tty.pgrp, 0))


def open_terminal(k, p, path: str, flags: int):
    """open(2) of /dev/tty1 (the terminal) or /dev/tty (the caller's controlling terminal: ENXIO
    without one). A session leader with no terminal that opens a free one without O_NOCTTY
    makes it its controlling terminal, its own group in the foreground (tty_open_proc_set_tty)."""
    tty = k.tty
    if path == "/dev/tty":
        if p.ctty is None:
            return ERRNO["ENXIO"]
        tty = p.ctty
    elif p.sid == p.pid and p.ctty is None and not flags & O_NOCTTY and tty.sid == -1 and not tty.hung:
        p.ctty = tty
        tty.set_foreground(k, p.pid, p.sid, p.pgid)
    return TerminalFile(tty, flags)
