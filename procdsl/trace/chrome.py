"""The run as Chrome trace-event JSON, which Perfetto's UI and about:tracing open.

Per scenario two track groups: "CPUs" (one thread per CPU, a slice per stretch a process
ran and per context switch) and "processes" (one thread per process, a slice per state it
was in); signals, pipe data and wake-ups are flow events (ph s/f) between those threads,
and fork, exec and exit are instant events. Times are microseconds with ns decimals.
"""

from __future__ import annotations

import json
from typing import Optional

from procdsl import __version__
from procdsl.trace.story import Arrow, Proc, Story

CPU_TID_BASE = 1            # CPU n is thread n + 1 (tid 0 is the swapper's in Linux; keep clear of it)
PROC_TID_BASE = 1000        # process number k (creation order) is thread 1000 + k
OUTSIDE_TID = 999           # the world outside the machine, the kernel, timers


def _us(ns: int) -> float:
    return round(ns / 1000, 3)


class ChromeTrace:
    """Scenarios added one by one into one trace-event document."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.titles: list[str] = []
        self._flow = 0

    def add(self, story: Story, title: str) -> None:
        n = len(self.titles)
        self.titles.append(title)
        cpus_pid, procs_pid = 2 * n + 1, 2 * n + 2
        ev = self.events
        ev += [_meta("process_name", cpus_pid, 0, f"{title}: CPUs"), _meta("process_sort_index", cpus_pid, 0, 2 * n),
               _meta("process_name", procs_pid, 0, f"{title}: processes"),
               _meta("process_sort_index", procs_pid, 0, 2 * n + 1),
               _meta("thread_name", procs_pid, OUTSIDE_TID, "outside / kernel"),
               _meta("thread_sort_index", procs_pid, OUTSIDE_TID, -1)]
        for cpu in range(story.cpus):
            tid = CPU_TID_BASE + cpu
            ev += [_meta("thread_name", cpus_pid, tid, f"CPU {cpu}"), _meta("thread_sort_index", cpus_pid, tid, cpu)]
            for s in story.slices[cpu]:
                name = "context switch" if s.switching else f"{s.proc.name}({s.proc.pid})"
                ev.append({"ph": "X", "cat": "switch" if s.switching else "run", "name": name, "pid": cpus_pid,
                           "tid": tid, "ts": _us(s.start), "dur": _us(s.end - s.start),
                           "args": {"pid": s.proc.pid, "cmd": s.proc.at(s.proc.cmds, s.start)}})
        for p in story.procs:
            tid = PROC_TID_BASE + p.key
            ev += [_meta("thread_name", procs_pid, tid, f"{p.name}({p.pid})"),
                   _meta("thread_sort_index", procs_pid, tid, p.key)]
            for start, end, state in p.intervals(story.end):
                ev.append({"ph": "X", "cat": "state", "name": state, "pid": procs_pid, "tid": tid,
                           "ts": _us(start), "dur": _us(end - start), "args": {"cmd": p.at(p.cmds, start)}})
        for c in story.changes:
            ev.append({"ph": "i", "s": "t", "cat": "tree", "name": c.text, "pid": procs_pid,
                       "tid": PROC_TID_BASE + c.proc.key, "ts": _us(c.time),
                       "args": {"other": f"{c.other.name}({c.other.pid})" if c.other else ""}})
        for a in story.arrows:
            self._arrow(a, procs_pid)

    def _arrow(self, a: Arrow, pid: int) -> None:
        if a.dst is None or (a.kind == "wake" and a.t1 == a.t0):
            return                      # data never read, a wake-up that never ran: no second end
        self._flow += 1
        src_tid = self._thread(a.src, a.t0, a.label, pid)
        dst_tid = PROC_TID_BASE + a.dst.key
        common = {"cat": a.kind, "name": a.kind, "id": self._flow, "pid": pid}
        self.events.append({"ph": "s", "tid": src_tid, "ts": _us(a.t0), **common, "args": {"what": a.label}})
        self.events.append({"ph": "f", "bp": "e", "tid": dst_tid, "ts": _us(a.t1), **common})

    def _thread(self, p: Optional[Proc], t: int, label: str, pid: int) -> int:
        if p is not None:
            return PROC_TID_BASE + p.key
        # a flow must start inside a slice: a zero-length one on the outside thread
        self.events.append({"ph": "X", "cat": "outside", "name": label, "pid": pid, "tid": OUTSIDE_TID,
                            "ts": _us(t), "dur": 0})
        return OUTSIDE_TID

    def document(self) -> dict:
        return {"traceEvents": self.events, "displayTimeUnit": "ns",
                "otherData": {"producer": f"procdsl {__version__}", "scenarios": self.titles}}

    def dumps(self) -> str:
        return json.dumps(self.document(), ensure_ascii=False, separators=(",", ":"))


def _meta(name: str, pid: int, tid: int, value) -> dict:
    key = "sort_index" if name.endswith("sort_index") else "name"
    return {"ph": "M", "name": name, "pid": pid, "tid": tid, "args": {key: value}}
