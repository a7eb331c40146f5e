"""Interval timers (alarm, setitimer): ITIMER_REAL counts the clock, ITIMER_VIRTUAL and
ITIMER_PROF count the process's CPU time; each sends its signal when it expires.

A timer is a kernel event at P_TIMER carrying a token: re-arming or cancelling bumps the
token, so an event that is no longer wanted does nothing (and does not move the clock).
A CPU-time timer is posted only while its process is on a CPU: `on_cpu` posts it at the
instant the CPU time would run out, `off_cpu` counts what was used and cancels it. The
kernel calls them from its dispatch and leave paths (`arm`, `leave_cpu`) once the first such
timer is set (`watch_cpu_time` sets the kernel's `cpu_timers` flag); before that they cost a
flag's test."""

from __future__ import annotations

from procdsl.core.events import NO_PID
from procdsl.core.linux import ITIMERS
from procdsl.core.values import Dur
from procdsl.kernel import signals
from procdsl.kernel.opsupport import CONTINUE, _duration, _set
from procdsl.kernel.priorities import P_TIMER
from procdsl.kernel.process import RUNNING, Proc


class Itimer:
    """One of a process's three timers. `at`: ITIMER_REAL's expiry instant; `left`: a CPU
    timer's CPU time to go as of `since`; -1 when disarmed."""

    __slots__ = ("k", "p", "which", "real", "sig", "at", "left", "since", "interval", "token")

    def __init__(self, k, p: Proc, which: str) -> None:
        self.k = k
        self.p = p
        self.which = which
        num, self.sig = ITIMERS[which]
        self.real = num == 0
        self.at = self.left = -1
        self.since = 0
        self.interval = 0
        self.token = 0

    def remaining(self) -> int:
        if self.real:
            return max(0, self.at - self.k.now) if self.at >= 0 else 0
        if self.left < 0:
            return 0
        used = self.k.now - self.since if self.p.state == RUNNING else 0
        return max(0, self.left - used)

    def start(self, at: int) -> None:
        self.token += 1
        self.k.post(at, P_TIMER, self.fire, self.token)

    def fire(self, token: int, _: object) -> bool:
        """The timer ran out: re-arm it for its interval (from this expiry, so a periodic timer
        does not drift) and send its signal."""
        if token != self.token or not self.p.alive:
            return False
        k = self.k
        if self.interval:
            if self.real:
                self.at += self.interval
                self.start(self.at)
            else:
                self.left, self.since = self.interval, k.now
                self.start(k.now + self.interval)
        else:
            self.at = self.left = -1
        signals.generate(k, self.p, self.sig, sender=NO_PID, source="kernel")
        return True


def set_timer(k, p: Proc, which: str, value: int, interval: int) -> int:
    """setitimer(2): arm (value > 0) or disarm (0) a timer; returns the time its previous
    setting had left. alarm(2) is ITIMER_REAL with no interval."""
    if p.itimers is None:
        p.itimers = [None, None, None]
    num = ITIMERS[which][0]
    t = p.itimers[num]
    if t is None:
        t = p.itimers[num] = Itimer(k, p, which)
    old = t.remaining()
    t.token += 1
    t.interval = interval if value else 0
    if not value:
        t.at = t.left = -1
    elif t.real:
        t.at = k.now + value
        t.start(t.at)
    else:
        watch_cpu_time(k)
        t.left, t.since = value, k.now
        t.start(k.now + value)          # set from a statement, so the process is on a CPU now
    k.emit(k.cpu_of(p), p.pid, "timer", (which, value, t.interval))
    return old


def watch_cpu_time(k) -> None:
    """From now on, every dispatch (`arm`) and every leave of a CPU also runs on_cpu/off_cpu."""
    k.cpu_timers = True


def on_cpu(k, p: Proc, start: int) -> None:
    """p runs from `start`: its CPU-time timers can expire while it runs."""
    for t in p.itimers:
        if t is not None and not t.real and t.left >= 0:
            t.since = start
            t.start(start + t.left)


def off_cpu(k, p: Proc) -> None:
    """p leaves the CPU: count the CPU time its timers used and stop them until it runs again."""
    now = k.now
    for t in p.itimers:
        if t is not None and not t.real and t.left >= 0:
            t.left = max(0, t.left - max(0, now - t.since))
            t.token += 1


def cancel(p: Proc) -> None:
    """exit: every timer dies with the process."""
    for t in p.itimers:
        if t is not None:
            t.token += 1
            t.at = t.left = -1


def op_setitimer(k, p, op):
    value = _duration(op.expr(p), op.span)
    interval = _duration(op.expr2(p), op.span) if op.expr2 is not None else 0
    old = set_timer(k, p, op.aux, value, interval)
    if op.name:
        _set(p, op.name, Dur(old))
    p.pc += 1
    return CONTINUE
