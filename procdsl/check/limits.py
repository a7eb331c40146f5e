"""Why a run hit a limit, in terms its author can act on, read from the run's events alone."""

from __future__ import annotations

from collections import Counter
from typing import Optional

from procdsl.core.events import Trace, TraceEvent
from procdsl.core.linux import ERRNO_NAMES
from procdsl.trace.text import format_time, signal_name

TAIL = 1000          # trace records looked at to see what a run was doing when it stopped
NAMED = 3            # processes named in a note


def limit_note(trace: Trace) -> str:
    """The checker's note for a run that stopped at `max_processes`, `max_events` or `max_output`."""
    events = trace.events
    lim = next((e for e in reversed(events) if e.kind == "limit"), None)
    which = lim.detail[0] if lim else trace.end_reason.removeprefix("limit ")
    value = lim.detail[1] if lim else "?"
    records = [e for e in events if e.kind not in ("limit", "end")]
    why = {"max_processes": _fork_bomb, "max_events": _busy, "max_output": _flood}.get(which)
    reason = why(trace, records, value) if why is not None else "a runaway scenario"
    return (f"the run stopped at the limit {which} = {value} at {format_time(trace.end_time).strip()}: {reason} "
            f"{_raise_hint(which)}")


def _raise_hint(which: str) -> str:
    return f"(if the scenario needs more, raise it with `machine {{ {which} N }}`)"


def for_submission(note: str) -> str:
    """A limit note as a graded submission's author reads it: the instructor's tests set the limits,
    so the advice to raise one is replaced by what the student can change."""
    for which in ("max_processes", "max_events", "max_output"):
        note = note.replace(_raise_hint(which), "(the tests set this limit; a submission cannot raise it)")
    return note


def _who(trace: Trace, pids: list[int]) -> str:
    names = [f"{trace.labels.get(pid, '?')} (pid {pid})" for pid in pids[:NAMED]]
    more = f" and {len(pids) - NAMED} more" if len(pids) > NAMED else ""
    return ", ".join(names) + more


def _top(counts: Counter) -> list[int]:
    # most first; ties by PID, so the note does not depend on the order events came in
    return [pid for pid, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _fork_bomb(trace: Trace, records: list[TraceEvent], value) -> str:
    forks = Counter(e.pid for e in records if e.kind == "fork")
    if not forks:
        return f"{value} processes were started by `run` lines"
    return (f"a fork bomb: processes were created without end, most of them by {_who(trace, _top(forks))}; "
            f"fork inside a loop that never ends, where every child goes on running the same loop, makes more "
            f"and more processes; bound the loop, and end each child with exit (or exec)")


def _flood(trace: Trace, records: list[TraceEvent], value) -> str:
    out: Counter = Counter()
    for e in records:
        if e.kind == "output":
            out[e.pid] += len(e.detail[1])
    return (f"the terminal output grew past {value} bytes, most of it from {_who(trace, _top(out))}: "
            f"a loop that prints without end (or prints ever longer strings); give the loop an end, or print less")


def _busy(trace: Trace, records: list[TraceEvent], value) -> str:
    tail = records[-TAIL:]
    kinds = Counter(e.kind for e in tail)
    if kinds["output"] * 2 >= len(tail) > 0:
        lines = Counter(e.pid for e in tail if e.kind == "output")
        return (f"{_who(trace, _top(lines))} printed in a loop that does not end ({kinds['output']} of the last "
                f"{len(tail)} trace records are output); give the loop a condition that ends it")
    if (kinds["signal"] + kinds["handle"]) * 2 >= len(tail) > 0:
        sigs = Counter(e.detail[1] for e in tail if e.kind == "signal")
        targets = Counter(e.detail[0] for e in tail if e.kind == "signal")
        sig = signal_name(sorted(sigs.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]) if sigs else "a signal"
        return (f"{_who(trace, _top(targets)) if targets else 'a process'} got {sig} over and over "
                f"({kinds['signal'] + kinds['handle']} of the last {len(tail)} trace records are signals): a handler "
                f"that returns to a statement that faults again, or a loop that sends signals without end; end "
                f"the handler with exit, or give the loop an end")
    fails = [e for e in tail if e.kind == "fail"]
    if len(fails) * 2 >= len(tail) > 0:
        call, errno = Counter((e.detail[0], e.detail[1]) for e in fails).most_common(1)[0][0]
        who = _who(trace, _top(Counter(e.pid for e in fails)))
        return (f"{who} retried `{call}` in a loop, and it failed {len(fails)} times in the last {len(tail)} "
                f"trace records ({ERRNO_NAMES.get(errno, errno)}): a loop that polls without blocking never gives up the CPU; "
                f"block until what it waits for happens instead")
    if len(records) * 10 < int(value):
        return (f"it executed {value} statements and events without ending; " + _running_note(trace, records))
    top = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))[:3])
    return (f"the machine was still busy after {len(records)} trace records (the last {len(tail)}: {top}); "
            f"a long run, or processes that keep waking one another without end")


def _running_note(trace: Trace, records: list[TraceEvent]) -> str:
    running = _running_at_end(records)
    if not running:
        return "no process was on a CPU at the end"
    since = _last_woken(records, running)
    parts = []
    for pid in running[:NAMED]:
        t = since.get(pid)
        when = f"has run without blocking since it woke at {format_time(t).strip()}" if t is not None else \
            "never blocked"
        parts.append(f"{trace.labels.get(pid, '?')} (pid {pid}) {when}")
    more = f" and {len(running) - NAMED} more" if len(running) > NAMED else ""
    return ("; ".join(parts) + more + ". A loop that polls without blocking (no sleep, wait, read or pause) "
            "never gives up the CPU, so what it waits for may never happen: block until it does (wait for "
            "the child, read from the pipe, pause for the signal), or sleep between checks")


def _running_at_end(records: list[TraceEvent]) -> list[int]:
    """The PIDs on a CPU when the run stopped, by CPU."""
    on: dict[int, Optional[int]] = {}
    for e in records:
        if e.kind == "switch":
            on[e.cpu] = e.pid or None
        elif e.kind in ("exit", "block", "stop") and e.cpu >= 0 and on.get(e.cpu) == e.pid:
            on[e.cpu] = None
    return [pid for _, pid in sorted(on.items()) if pid is not None]


def _last_woken(records: list[TraceEvent], pids: list[int]) -> dict[int, int]:
    wanted = set(pids)
    since: dict[int, int] = {}
    for e in records:
        if e.pid in wanted and e.kind == "wake":
            since[e.pid] = e.time
    return since
