"""The trace: frozen records (time, cpu, pid, kind, detail), the one contract between kernel and checker.

`detail` is a tuple whose fields each kind names in FIELDS; the text form is fixed-column so a
student can read it by eye, and the JSON Lines form names every field.
"""

from __future__ import annotations

from functools import partial
from typing import Final, NamedTuple, Sequence


class TraceEvent(NamedTuple):
    time: int
    cpu: int          # -1: not on a CPU
    pid: int          # NO_PID (-1): no process; IDLE (0): a CPU's idle task (only in `switch`)
    kind: str
    detail: tuple


# pid -1 is no process at all: the world outside the machine (`run`, `at … send`) or the
# machine itself (`end`, `limit`, a signal the kernel sends); pid 0 is a CPU's idle task, as
# Linux's swapper/N, and appears only as a `switch`'s pid or prev. Init's ppid is 0, as in ps.
NO_PID: Final = -1
IDLE: Final = 0

# new_event((time, cpu, pid, kind, detail)) is TraceEvent(time, cpu, pid, kind, detail)
# without the Python-level __new__ a NamedTuple call runs: the kernel makes one per dispatch.
new_event = partial(tuple.__new__, TraceEvent)


# kind -> names of the detail fields, in order
FIELDS: dict[str, tuple[str, ...]] = {
    "spawn": ("ppid", "label", "index", "cmd", "nice", "uid"),
    "fork": ("child", "label", "index"),
    "exec": ("program",),
    "switch": ("prev", "why", "cost"),
    "block": ("state", "on"),
    "wake": ("why",),
    "signal": ("target", "signal", "outcome", "source"),
    "handle": ("signal", "action"),
    "stop": ("signal",),
    "cont": (),
    "exit": ("code", "signal", "core"),
    "reparent": ("parent",),
    "reap": ("child",),
    "output": ("fd", "text"),
    "cow": ("copies",),
    "nice": ("nice",),
    "migrate": ("from_cpu", "to_cpu"),
    "level": ("level",),
    "cache": ("state",),
    "pipe": ("pipe", "read_fd", "write_fd"),
    "inode": ("path", "type", "ino", "owner", "group", "mode", "text"),
    "open": ("path", "flags", "fd", "ino", "how"),
    # read(2) and write(2) on any fd but the terminal's (that is `output`): the kind of object
    # ("pipe" or "file"), its number (the pipe's, the file's inode), the bytes moved (a read's 0:
    # end of file), what the object holds after (`queued`: a pipe's bytes, a file's size), the
    # file offset (-1 for a pipe) and, written to a file, the bytes themselves
    "read": ("fd", "object", "id", "bytes", "queued", "offset"),
    "write": ("fd", "object", "id", "bytes", "queued", "offset", "text"),
    "lseek": ("fd", "offset"),
    "close": ("fd", "by"),
    "dup": ("fd", "newfd"),
    "unlink": ("path", "ino"),
    # sockets (read and write above carry their data: object "socket", id the receiving socket,
    # offset where in everything ever queued on it the bytes start)
    "socket": ("fd", "socket", "type"),
    "socketpair": ("fd", "fd2", "socket", "socket2", "type"),
    "bind": ("fd", "socket", "address"),
    "listen": ("fd", "socket", "backlog"),
    "connect": ("fd", "socket", "address", "peer"),
    "accept": ("fd", "socket", "newfd", "peer"),
    "shutdown": ("fd", "socket", "how"),
    "poll": ("nfds", "ready", "revents"),
    "fail": ("call", "errno"),
    # who a process is (kernel/creds.py) when that is more than a `spawn`'s uid says, and its environment
    "cred": ("call", "uid", "euid", "suid", "gid", "egid", "sgid", "groups"),
    "environ": ("vars",),
    "env": ("name", "value"),
    "subreaper": (),
    "setsid": ("sid",),
    "setpgid": ("target", "pgid"),
    "tty": ("session", "pgrp"),
    "type": ("text",),
    "press": ("key", "echo"),
    "hangup": (),
    "waited": ("child", "change", "signal"),
    "timer": ("which", "value", "interval"),
    # the memory map (when the scenario uses it): a region added or removed, the heap's and the
    # stack's sizes, a region's resident pages after a write, and a bad access before its SIGSEGV
    "mmap": ("addr", "pages", "perms", "name"),
    "munmap": ("addr", "pages"),
    "brk": ("addr", "pages"),
    "stack": ("addr", "pages", "resident"),
    "resident": ("addr", "pages"),
    "segv": ("addr", "why"),
    # an idle CPU leaves a sleep state (with a power model): the state, the idle time, the exit latency
    "cstate": ("state", "idle", "latency"),
    # the power model, at the start of a run that has one: its name, active mW, and the idle states
    # as [name, mW, exit latency ns, target residency ns], shallowest first
    "power": ("model", "active", "states"),
    "fault": ("message", "file", "line", "col"),
    "deadlock": ("blocked",),
    "limit": ("limit", "value"),
    "end": ("reason",),
}


class Trace:
    """An ordered, append-only sequence of events plus what the run ended with.

    A kernel's trace keeps its events in columns (core/records.Records), each TraceEvent made
    when read; a hand-made one may be a plain list.
    """

    __slots__ = ("events", "end_time", "end_reason", "labels", "cpus")

    def __init__(self, events: Sequence[TraceEvent], end_time: int, end_reason: str, labels: dict[int, str],
                 cpus: int) -> None:
        self.events = events
        self.end_time = end_time
        self.end_reason = end_reason
        self.labels = labels            # pid -> "label" or "label[i]"
        self.cpus = cpus

    def __iter__(self):
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)
