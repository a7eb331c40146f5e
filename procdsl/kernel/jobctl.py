"""Sessions and process groups as Linux keeps them: membership, setsid and setpgid's rules, orphaned
groups, signals to a whole group, and the terminal's job-control check (kernel/sys.c, kernel/exit.c,
drivers/tty/tty_jobctrl.c).

Every process has a `pgid` and a `sid`. `run` starts each job as a login shell would: in the login
session, numbered 0 because its leader (the shell that runs the scenario) is outside the machine's
PID namespace, each job leading a group of its own. That outside shell is the job's parent for
job control: a job's group is not orphaned while one of the processes `run` started is in it
(`Proc.login`), just as a group whose parent is bash is not.
"""

from __future__ import annotations

from typing import Optional, Sequence

from procdsl.core.events import NO_PID
from procdsl.core.linux import ERRNO, SIGCONT, SIGHUP
from procdsl.kernel import signals
from procdsl.kernel.pgroups import LOGIN_SID, Groups, orphaned  # noqa: F401 - the kernel's API
from procdsl.kernel.process import IGN, STOPPED, ZOMBIE, Proc

EPERM, ESRCH, EACCES, EINVAL, EIO = (ERRNO[n] for n in ("EPERM", "ESRCH", "EACCES", "EINVAL", "EIO"))
RESTART = -512               # -ERESTARTSYS: the call stops here and runs again after the signal


# ---------------------------------------------------------------------- the calls
def setsid(k, p: Proc) -> int:
    """setsid(2): the new session's ID, or -EPERM when a group numbered like the caller exists."""
    if k.groups.get(p.pid):
        return -EPERM
    k.groups.move(p, p.pid)
    p.sid = p.pid
    p.ctty = None
    k.emit(k.cpu_of(p), p.pid, "setsid", (p.pid,))
    return p.pid


def setpgid(k, p: Proc, pid: int, pgid: int) -> int:
    """setpgid(2) with ksys_setpgid's checks, in its order; 0 or -errno."""
    if pgid < 0:
        return -EINVAL
    target = p if pid in (0, p.pid) else p.children.get(pid)
    if target is None:
        return -ESRCH
    if target is not p:
        if target.sid != p.sid:
            return -EPERM
        if target.execd:
            return -EACCES
    if target.sid == target.pid:
        return -EPERM                         # a session leader stays in its own group
    pgid = pgid or target.pid
    if pgid != target.pid and k.groups.session_of(pgid) != p.sid:
        return -EPERM                         # no such group in the caller's session
    if target.pgid != pgid:
        k.groups.move(target, pgid)
        k.emit(k.cpu_of(p), p.pid, "setpgid", (target.pid, pgid))
    return 0


def kill_group(k, sender: Optional[Proc], pgid: int, sig: int) -> int:
    """kill(-pgid): every member, each with its own permission check; 0 when one was signalled,
    else the last error (EPERM), or ESRCH for an empty group (__kill_pgrp_info)."""
    members = list(k.groups.get(pgid))
    if not members:
        k.emit(k.cpu_of(sender) if sender else -1, sender.pid if sender else NO_PID, "signal",
               (NO_PID, sig, f"no process group {pgid} (ESRCH)", "process" if sender else "kernel"))
        return ESRCH
    err = 0
    success = False
    for q in members:
        if sender is None:
            signals.generate(k, q, sig, sender=NO_PID, source="kernel")
            success = True
            continue
        e = signals.send(k, sender, q, sig)
        success = success or not e
        err = e or err
    return 0 if success else err


# ---------------------------------------------------------------------- orphaned groups
def _stopped(k, pgid: int) -> bool:
    return any(q.state == STOPPED for q in k.groups.get(pgid))


def _hup_if_orphaned(k, pgid: int, ignore: Optional[Proc]) -> None:
    if _stopped(k, pgid) and orphaned(k, pgid, ignore):
        kill_group(k, None, pgid, SIGHUP)
        kill_group(k, None, pgid, SIGCONT)


def on_exit(k, p: Proc, children: Sequence[Proc]) -> None:
    """kill_orphaned_pgrp, as exit_notify calls it: for each child's group (whose parent was p),
    then for p's own group, a newly orphaned group with a stopped member gets SIGHUP, then SIGCONT."""
    for c in children:
        if c.state != ZOMBIE and c.pgid != p.pgid and c.sid == p.sid:
            _hup_if_orphaned(k, c.pgid, None)
    parent = p.parent
    if p.login or (parent is not None and parent.pgid != p.pgid and parent.sid == p.sid):
        _hup_if_orphaned(k, p.pgid, p)


# ---------------------------------------------------------------------- the terminal's check
def ignored(p: Proc, sig: int) -> bool:
    return bool(p.mask & (1 << sig)) or p.handlers.get(sig) == IGN


def tty_check(k, p: Proc, tty, sig: int) -> int:
    """__tty_check_change: 0 when p may go on; for a background process of the terminal's session,
    the signal to its whole group and RESTART, or -EIO (SIGTTIN ignored or blocked, or an orphaned
    group). Ignoring or blocking SIGTTOU lets the call through."""
    if p.ctty is not tty or tty.pgrp < 0 or p.pgid == tty.pgrp:
        return 0
    if ignored(p, sig):
        return -EIO if sig != 22 else 0
    if orphaned(k, p.pgid):
        return -EIO
    kill_group(k, None, p.pgid, sig)
    return RESTART
