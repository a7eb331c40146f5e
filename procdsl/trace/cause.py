"""Who the kernel acted for: the process behind a wake-up, or behind a signal the kernel sends.

The kernel runs a wake-up or a kernel-sent signal inside the event that causes it (a pipe
write, an exit, a `send`; SIGCHLD for an exit or a stop), so an observer finds the cause
among the events just before it at the same instant. Both the pictures (story.py) and the
ftrace export (ftrace.py) ask this; it is fed every event, in order, before their handlers.
"""

from __future__ import annotations

from typing import Optional

from procdsl.core.events import NO_PID, TraceEvent

_CHILD_NEWS = ("exit", "stop", "cont")     # what a parent's SIGCHLD reports


class Cause:
    __slots__ = ("last", "news")

    def __init__(self) -> None:
        self.last: Optional[TraceEvent] = None     # the event before the current one (wake-ups skipped)
        self.news: Optional[TraceEvent] = None     # the last exit, stop or continue

    def waker(self, ev: TraceEvent) -> Optional[TraceEvent]:
        """The event that woke `ev`'s process, None for a timer or when no process did."""
        last = self.last
        if ev.detail[0] == "timer" or last is None or last.time != ev.time or last.pid <= 0:
            return None
        return last

    def sender(self, ev: TraceEvent) -> int:
        """For a signal the kernel sends: the child whose exit, stop or continue it reports (SIGCHLD,
        and PID 1's exit for its SIGKILLs), else the target itself (a fault, SIGPIPE)."""
        news = self.news
        if news is not None and news.time == ev.time and news.pid != ev.detail[0]:
            return news.pid
        return ev.detail[0] if ev.detail[0] > 0 else NO_PID

    def seen(self, ev: TraceEvent) -> None:
        """Call after the handlers of `ev` ran."""
        if ev.kind != "wake":            # a batch of wake-ups all have the event before them as cause
            self.last = ev
        if ev.kind in _CHILD_NEWS:
            self.news = ev
