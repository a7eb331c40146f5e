"""Sessions, process groups and the terminal as the events tell them: each process's group, session and
controlling terminal over time, the terminal's foreground group, and what the terminal showed. An
observer like model.Model (docs/design.md, section 4).

What `spawn` means here is the kernel's documented rule (docs/language.md, "Sessions and process
groups"): PID 1 leads session 1 and group 1; a process `run` starts leads a group of its own in the
login session 0, and has the terminal unless another session holds it or it hung up; a `run`
pipeline's later stages are moved into the first one's group by a `setpgid` event.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from procdsl.check.history import History, OutputLog

ProcInfo = Any        # check.model.ProcInfo (which imports this module)
LOGIN_SID = 0


class JobInfo:
    __slots__ = ("pgid", "sid", "ctty")

    def __init__(self, t: int, pgid: int, sid: int, ctty: bool) -> None:
        self.pgid = History(t, pgid)
        self.sid = History(t, sid)
        self.ctty = History(t, ctty)


class JobModel:
    def __init__(self, model) -> None:
        self.model = model
        self.info: dict[ProcInfo, JobInfo] = {}
        self.session = History(0, -1)            # whose controlling terminal the terminal is
        self.foreground = History(0, -1)         # its foreground group (0: outside the machine)
        self.hung = False
        self.screen = OutputLog()                # what the terminal showed: output and echo, in order
        self.handlers: dict[str, Callable] = {kind: getattr(self, "_on_" + kind) for kind in (
            "spawn", "fork", "setsid", "setpgid", "tty", "output", "type", "press", "hangup")}

    def of(self, p: ProcInfo) -> Optional[JobInfo]:
        return self.info.get(p)

    # ------------------------------------------------------------------ the observer
    def _on_spawn(self, ev, _p, _i) -> None:
        p = self.model.proc(ev.pid)
        if ev.detail[0] == 0:                                  # PID 1
            self.info[p] = JobInfo(ev.time, 1, 1, False)
            return
        session = self.session.values[-1]
        self.info[p] = JobInfo(ev.time, ev.pid, LOGIN_SID, session in (-1, LOGIN_SID) and not self.hung)

    def _on_fork(self, ev, p, _i) -> None:
        parent = self.info.get(self.model.proc(ev.pid))
        child = self.model.proc(ev.detail[0])
        if parent is not None:
            self.info[child] = JobInfo(ev.time, parent.pgid.values[-1], parent.sid.values[-1], parent.ctty.values[-1])

    def _on_setsid(self, ev, p, _i) -> None:
        j = self.info.get(p)
        if j is not None:
            j.pgid.set(ev.time, ev.detail[0])
            j.sid.set(ev.time, ev.detail[0])
            j.ctty.set(ev.time, False)

    def _on_setpgid(self, ev, _p, _i) -> None:
        j = self.info.get(self.model.proc(ev.detail[0]))
        if j is not None:
            j.pgid.set(ev.time, ev.detail[1])

    def _on_tty(self, ev, p, _i) -> None:
        session, pgrp = ev.detail
        before = self.session.values[-1]
        t = ev.time
        if session < 0:
            for j in self.info.values():
                if j.ctty.values[-1] and j.sid.values[-1] == before:
                    j.ctty.set(t, False)
        elif p is not None and session != before:              # a session leader took the terminal
            j = self.info.get(p)
            if j is not None:
                j.ctty.set(t, True)
        self.session.set(t, session)
        self.foreground.set(t, pgrp)

    def _on_output(self, ev, _p, _i) -> None:
        self.screen.append((ev.time, ev.detail[1]))

    def _on_type(self, ev, _p, _i) -> None:
        if not self.hung:
            self.screen.append((ev.time, ev.detail[0]))

    def _on_press(self, ev, _p, _i) -> None:
        if ev.detail[1]:
            self.screen.append((ev.time, ev.detail[1]))

    def _on_hangup(self, ev, _p, _i) -> None:
        self.hung = True

    # ------------------------------------------------------------------ at an instant
    def screen_at(self, t: int) -> str:
        return self.screen.at(t)

    def stat_flags(self, p: ProcInfo, t: int) -> str:
        """ps's `s` (a session leader) and `+` (in the terminal's foreground group)."""
        j = self.info.get(p)
        if j is None:
            return ""
        flags = "s" if j.sid.at(t) == p.pid else ""
        if j.ctty.at(t) and j.pgid.at(t) == self.foreground.at(t):
            flags += "+"
        return flags
