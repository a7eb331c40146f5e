"""The trace in words: the fixed-column text form a student reads by eye, and each event described."""

from __future__ import annotations

from typing import Iterable

from procdsl.core.events import IDLE, Trace, TraceEvent
from procdsl.core.linux import ERRNO_NAMES, ITIMERS, SIGNAL_NAMES
from procdsl.ir.unparse import format_duration
from procdsl.trace.maps import MEMORY_KINDS, describe_memory

ITIMER_SIGNALS = {name: sig for name, (_num, sig) in ITIMERS.items()}


def format_time(ns: int) -> str:
    """Fixed-width milliseconds with nanosecond precision: '    12.000001ms'."""
    ms, rest = divmod(ns, 1_000_000)
    return f"{ms:>7}.{rest:06d}ms"


def signal_name(sig: int) -> str:
    return SIGNAL_NAMES.get(sig, f"signal {sig}")


def describe(ev: TraceEvent, labels: dict[int, str]) -> str:
    """The event in words, as the text trace and failure explanations show it."""
    d = ev.detail
    who = lambda pid: f"{labels.get(pid, '?')}({pid})" if pid > 0 else "idle" if pid == IDLE else "nobody"  # noqa: E731
    k = ev.kind
    if k == "spawn":
        return f"started {d[3]} as {labels.get(ev.pid, d[1])}, child of pid {d[0]}"
    if k == "fork":
        return f"fork -> {who(d[0])}"
    if k == "exec":
        return f"exec {d[0]}"
    if k == "switch":
        cost = f" (+{format_duration(d[2])} switch)" if d[2] else ""
        return f"{who(d[0])} -> {who(ev.pid)} [{d[1]}]{cost}"
    if k == "block":
        return f"blocks ({d[0]}) on {d[1]}"
    if k == "wake":
        return f"wakes: {d[0]}"
    if k == "signal":
        source = d[3] if len(d) > 3 else "process"
        sender = "the kernel" if source == "kernel" else "outside" if source == "outside" else who(ev.pid)
        target = who(d[0]) if d[0] > 0 else "no process"
        return f"{sender} sends {signal_name(d[1])} to {target}: {d[2]}"
    if k == "handle":
        return f"{signal_name(d[0])}: {d[1]}"
    if k == "stop":
        return f"stopped by {signal_name(d[0])}"
    if k == "cont":
        return "continued"
    if k == "exit":
        if not d[1]:
            return f"exit {d[0]}"
        return f"killed by {signal_name(d[1])}" + (" (core dumped)" if len(d) > 2 and d[2] else "")
    if k == "reparent":
        return f"re-parented to {who(d[0])}"
    if k == "reap":
        return f"reaps {who(d[0])}"
    if k == "output":
        return f"fd {d[0]}: {d[1]!r}"
    if k == "cow":
        return f"copy-on-write: {d[0]} page(s) copied"
    if k == "nice":
        return f"nice {d[0]}"
    if k == "migrate":
        return f"migrates cpu{d[0]} -> cpu{d[1]}"
    if k == "level":
        return f"mlfq level {d[0]}"
    if k == "cache":
        return f"{d[0]} in cpu{ev.cpu}'s cache"
    if k == "pipe":
        return f"pipe #{d[0]}: read fd {d[1]}, write fd {d[2]}"
    if k == "inode":
        if d[1] == "socket":
            return f"{d[0]}: socket, inode {d[2]}, owner {d[3]} group {d[4]} mode {d[5]:o}"
        kind = "directory" if d[1] == "dir" else "file"
        size = "" if d[1] == "dir" else f", {len(d[6].encode('utf-8', 'surrogateescape'))} bytes"
        return f"{d[0]}: {kind}, inode {d[2]}, owner {d[3]} group {d[4]} mode {d[5]:o}{size}"
    if k == "open":
        how = "" if d[4] == "opened" else f"{d[4]}, "
        return f'open "{d[0]}" {d[1]} -> fd {d[2]} ({how}inode {d[3]})'
    if k == "write" and d[1] == "socket":
        return f"sends {d[3]} byte(s) to socket#{d[2]} (fd {d[0]}; {d[4]} queued): {_excerpt(d[6])}"
    if k == "read" and d[1] == "socket":
        return (f"receives {d[3]} byte(s) from socket#{d[2]} (fd {d[0]}; {d[4]} queued)" if d[3]
                else f"reads end of file from socket#{d[2]} (fd {d[0]})")
    if k in SOCKET_KINDS:
        return _socket_event(k, d)
    if k == "write":
        if d[1] == "pipe":
            return f"writes {d[3]} byte(s) to pipe#{d[2]} (fd {d[0]}; {d[4]} queued)"
        return f"writes {d[3]} byte(s) to inode {d[2]} at offset {d[5]} (fd {d[0]}; size {d[4]}): {_excerpt(d[6])}"
    if k == "read":
        where = f"pipe#{d[2]}" if d[1] == "pipe" else "the terminal" if d[1] == "terminal" else f"inode {d[2]} at offset {d[5]}"
        if not d[3]:
            return f"reads end of file from {where} (fd {d[0]})"
        return f"reads {d[3]} byte(s) from {where} (fd {d[0]}; {d[4]} {'in the file' if d[1] == 'file' else 'queued'})"
    if k == "lseek":
        return f"lseek fd {d[0]} -> offset {d[1]}"
    if k == "close":
        return f"close fd {d[0]}" + (" (close-on-exec)" if d[1] == "exec" else "")
    if k == "dup":
        return f"dup fd {d[0]} -> fd {d[1]}"
    if k == "unlink":
        return f'unlink "{d[0]}" (inode {d[1]})'
    if k == "fail":
        return f"{d[0]} failed: {ERRNO_NAMES.get(d[1], d[1])}"
    if k == "cred":
        groups = f", groups {' '.join(map(str, d[7]))}" if d[7] else ""
        return f"{d[0]}: uid {d[1]} euid {d[2]} suid {d[3]}, gid {d[4]} egid {d[5]} sgid {d[6]}{groups}"
    if k == "environ":
        return "environment: " + (_excerpt(" ".join(d[0])) if d[0] else "(empty)")
    if k == "env":
        return f"unsetenv {d[0]}" if d[1] is None else f"setenv {d[0]}={_excerpt(d[1])}"
    if k in MEMORY_KINDS:
        return describe_memory(k, d)
    if k == "power":
        return f"power model {d[0]}: active {d[1]} mW; idle states " + ", ".join(
            f"{s[0]} {s[1]} mW (exit {format_duration(s[2])})" for s in d[2])
    if k == "cstate":
        return f"wakes from {d[0]} after {format_duration(d[1])} idle (+{format_duration(d[2])} exit latency)"
    if k == "subreaper":
        return "becomes a child subreaper"
    if k == "setsid":
        return f"setsid: leads session {d[0]} and process group {d[0]}"
    if k == "setpgid":
        return f"puts pid {d[0]} in process group {d[1]}"
    if k == "tty":
        if d[0] < 0:
            return "the terminal belongs to no session now"
        group = "the login shell's group (outside the machine)" if d[1] == 0 else f"process group {d[1]}"
        return f"terminal: session {d[0]}, foreground {group}"
    if k == "type":
        return f"typed at the terminal: {_excerpt(d[0])}"
    if k == "press":
        return f"pressed {d[0]} at the terminal" + (f" (echo {d[1]})" if d[1] else "")
    if k == "hangup":
        return "the terminal hangs up"
    if k == "waited":
        how = f"stopped by {signal_name(d[2])}" if d[1] == "stopped" else d[1]
        return f"wait reports {who(d[0])} {how}"
    if k == "timer":
        if not d[1]:
            return f"{d[0]} disarmed"
        every = f", then every {format_duration(d[2])}" if d[2] else ""
        return f"{d[0]}: {signal_name(ITIMER_SIGNALS[d[0]])} in {format_duration(d[1])}{every}"
    if k == "fault":
        return f"program fault at {d[1]}:{d[2]}:{d[3]}: {d[0]}"
    if k == "deadlock":
        return "deadlock: " + "; ".join(d[0])
    if k == "limit":
        return f"limit reached: {d[0]} = {d[1]}"
    if k == "end":
        return f"end: {d[0]}"
    return " ".join(map(str, d))


EXCERPT = 60
SOCKET_KINDS = frozenset(("socket", "socketpair", "bind", "listen", "connect", "accept", "shutdown", "poll"))


def _socket_event(k: str, d: tuple) -> str:
    if k == "socket":
        return f"socket#{d[1]} ({d[2]}) -> fd {d[0]}"
    if k == "socketpair":
        return f"socketpair ({d[4]}): socket#{d[2]} on fd {d[0]}, socket#{d[3]} on fd {d[1]}"
    if k == "bind":
        return f'bind socket#{d[1]} (fd {d[0]}) to "{d[2]}"'
    if k == "listen":
        return f"listen on socket#{d[1]} (fd {d[0]}), backlog {d[2]}"
    if k == "connect":
        return f'connect socket#{d[1]} (fd {d[0]}) to "{d[2]}": peer socket#{d[3]}'
    if k == "accept":
        return f"accept on socket#{d[1]} (fd {d[0]}) -> socket#{d[3]} on fd {d[2]}"
    if k == "shutdown":
        return f"shutdown socket#{d[1]} (fd {d[0]}) {d[2]}"
    return f"poll {d[0]} fd(s): {d[1]} ready" + (f" ({d[2]})" if d[2] else " (timeout)" if not d[1] else "")


def _excerpt(text: str) -> str:
    """The text as Python writes it, cut after EXCERPT characters: the JSON form has all of it."""
    if len(text) <= EXCERPT:
        return repr(text)
    return f"{text[:EXCERPT]!r}…"


def display_name(label: str, index: int, siblings: int) -> str:
    """`worker` for a label's only process; `worker[0]`, `worker[1]` when it has several."""
    return label if siblings == 1 else f"{label}[{index}]"


def names_in_order(events: list[TraceEvent]) -> Iterable[dict[int, str]]:
    """For each event, the pid -> name table at that moment (PIDs are reused after reaping)."""
    counts: dict[str, int] = {}
    for ev in events:
        if ev.kind in ("spawn", "fork"):
            label = ev.detail[1]
            counts[label] = counts.get(label, 0) + 1
    current: dict[int, str] = {}
    for ev in events:
        if ev.kind == "spawn":
            current[ev.pid] = display_name(ev.detail[1], ev.detail[2], counts[ev.detail[1]])
        elif ev.kind == "fork":
            current[ev.detail[0]] = display_name(ev.detail[1], ev.detail[2], counts[ev.detail[1]])
        yield current


def format_text(trace: Trace) -> Iterable[str]:
    yield f"{'TIME':>16}  {'CPU':<4} {'PID':>5}  {'LABEL':<14} {'EVENT':<9} DETAIL"
    for ev, labels in zip(trace.events, names_in_order(trace.events)):
        cpu = f"cpu{ev.cpu}" if ev.cpu >= 0 else "-"
        pid, label = pid_columns(ev.pid, labels)
        yield f"{format_time(ev.time):>16}  {cpu:<4} {pid:>5}  {label[:14]:<14} {ev.kind:<9} {describe(ev, labels)}"


def pid_columns(pid: int, labels: dict[int, str]) -> tuple[str, str]:
    """The PID and LABEL cells: `-` for no process, `0 <idle>` for a CPU's idle task."""
    if pid > 0:
        return str(pid), labels.get(pid, "-")
    return ("0", "<idle>") if pid == IDLE else ("-", "-")
