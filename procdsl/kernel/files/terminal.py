"""The machine's terminal: a line discipline in canonical mode, a session and a foreground process
group, keys from outside the machine, hangup (drivers/tty/n_tty.c, tty_io.c, tty_jobctrl.c).

The device (Linux's tty_struct) is one object; the description every `run` hands its processes
as fds 0, 1 and 2 is opened once at boot, as a login shell's descriptors are inherited by
everything it starts. What is typed is echoed and edited into a line; a read returns at most one
line, and sleeps until one is complete. A terminal the scenario never types into, presses a key
on or hangs up has no keyboard: reading it gives end of file at once, as `prog < /dev/null` does.
"""

from __future__ import annotations

from collections import deque
from typing import Optional

from procdsl.core.events import NO_PID
from procdsl.core.linux import ERRNO, KEYS, O_RDWR, SIGCONT, SIGHUP, SIGTTIN, SIGTTOU, TTY_NAME
from procdsl.kernel import jobctl, signals
from procdsl.kernel.files.file import OpenFile
from procdsl.kernel.process import SLEEPING, STOPPED

EIO = ERRNO["EIO"]


class Terminal:
    """The terminal device: its input queue, who owns it and who is in the foreground.

    `sid` is the session it is the controlling terminal of (-1: none); `pgrp` its foreground
    process group (-1: none; 0: the login shell's, outside the machine)."""

    __slots__ = ("name", "lines", "edit", "readers", "sid", "pgrp", "tostop", "keyboard", "hung")

    def __init__(self, name: str = TTY_NAME, keyboard: bool = False, tostop: bool = False) -> None:
        self.name = name
        self.lines: deque = deque()        # complete lines (with their newline; b"" is an end of file)
        self.edit = bytearray()            # the line being typed
        self.readers: list = []            # processes asleep in read(2) on it
        self.sid = -1
        self.pgrp = -1
        self.tostop = tostop
        self.keyboard = keyboard
        self.hung = False

    @property
    def read_waiters(self) -> list:        # what Kernel.wake clears a woken sleeper from
        return self.readers

    def __str__(self) -> str:
        return "terminal"

    # ------------------------------------------------------------------ ownership
    def set_foreground(self, k, pid: int, sid: int, pgrp: int) -> None:
        if (sid, pgrp) != (self.sid, self.pgrp):
            self.sid, self.pgrp = sid, pgrp
            k.emit(-1 if pid == NO_PID else k.cpu_of(k.procs[pid]), pid, "tty", (sid, pgrp))

    def release(self, k, pid: int) -> None:
        """The session loses its controlling terminal (disassociate_ctty, a hangup)."""
        sid = self.sid
        for p in k.procs.values():
            if p.ctty is self and p.sid == sid:
                p.ctty = None
        self.set_foreground(k, pid, -1, -1)

    # ------------------------------------------------------------------ input from outside
    def type_text(self, k, text: str) -> None:
        """Keys typed: echoed, and each newline completes a line that a read can take."""
        k.emit(-1, NO_PID, "type", (text,))
        if self.hung:
            return
        data = text.encode()
        start = 0
        while True:
            nl = data.find(b"\n", start)
            if nl < 0:
                self.edit += data[start:]
                break
            self.edit += data[start:nl + 1]
            self._complete(k)
            start = nl + 1

    def press(self, k, key: str) -> None:
        """A control key: INTR, SUSP and QUIT flush the input and signal the foreground group
        (isig); EOF ends the line being typed without a newline, or is an end of file alone."""
        echo, sig = KEYS[key]
        k.emit(-1, NO_PID, "press", (key, "" if self.hung else echo))
        if self.hung:
            return
        if not sig:
            self._complete(k)
            return
        self.lines.clear()
        self.edit.clear()
        if self.pgrp > 0:
            jobctl.kill_group(k, None, self.pgrp, sig)

    def hangup(self, k) -> None:
        """The line drops (the pty's master closes): SIGHUP then SIGCONT to the session's leader, the
        session loses the terminal, and from then on reads see end of file and writes fail with EIO."""
        k.emit(-1, NO_PID, "hangup", ())
        if self.hung:
            return
        self.hung = True
        sid = self.sid
        leader = k.procs.get(sid) if sid > 0 else None
        self.release(k, NO_PID)
        if leader is not None and leader.alive and leader.sid == sid:
            signals.generate(k, leader, SIGHUP, sender=NO_PID, source="kernel")
            signals.generate(k, leader, SIGCONT, sender=NO_PID, source="kernel")
        elif sid == jobctl.LOGIN_SID:
            self._login_shell_hangs_up(k)
        k.wake_all(self.readers, "terminal hung up")

    def _login_shell_hangs_up(self, k) -> None:
        """The login session's leader is the shell outside the machine; on SIGHUP it does what bash
        does: SIGHUP to each of its jobs, and SIGCONT to a stopped one."""
        for pgid in sorted({p.pgid for p in k.procs.values() if p.login and p.alive}):
            stopped = any(q.state == STOPPED for q in k.groups.get(pgid))
            jobctl.kill_group(k, None, pgid, SIGHUP)
            if stopped:
                jobctl.kill_group(k, None, pgid, SIGCONT)

    def _complete(self, k) -> None:
        self.lines.append(bytes(self.edit))
        self.edit.clear()
        k.wake_all(self.readers, "terminal input")

    # ------------------------------------------------------------------ a read of one line
    def take(self, n: int) -> bytes:
        line = self.lines[0]
        if len(line) <= n:
            self.lines.popleft()
            return line
        self.lines[0] = line[n:]
        return line[:n]


class TerminalFile(OpenFile):
    """A description open on the terminal (O_RDWR)."""

    __slots__ = ("tty",)
    kind = "terminal"

    def __init__(self, tty: Terminal, flags: int = O_RDWR) -> None:
        super().__init__(flags)
        self.tty = tty

    text = True                        # written as text: the `output` event carries it

    def read(self, k, p, fd: int, n: int) -> Optional[object]:
        tty = self.tty
        if not tty.keyboard:
            return b""
        check = jobctl.tty_check(k, p, tty, SIGTTIN)
        if check:
            return check
        if tty.hung:
            return b""
        if not tty.lines:
            tty.readers.append(p)
            k.block(p, SLEEPING, "read", tty, "read from the terminal")
            return None
        got = tty.take(n)
        k.emit(k.cpu_of(p), p.pid, "read", (fd, "terminal", 1, len(got), sum(map(len, tty.lines)), 0))
        return got

    def write(self, k, p, fd: int, text: str, stops: bool = True) -> int:
        tty = self.tty
        if tty.hung:
            return -EIO
        if tty.tostop and stops:
            check = jobctl.tty_check(k, p, tty, SIGTTOU)
            if check:
                return check
        k.emit(k.cpu_of(p), p.pid, "output", (fd, text))
        return len(text) if text.isascii() else len(text.encode())

    def name(self) -> str:
        return "terminal"
