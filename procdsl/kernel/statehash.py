"""A digest of the machine's whole state between two events, for the explorer's state hashing.

Two states with the same digest have the same future under the same choices, so the
explorer stops a run that reaches a state it has seen (docs/design.md §8). The digest is
the pickle of everything mutable the kernel holds: processes, CPUs, run queues, open files,
the file system, the pending events and the seeded generator, plus what the outcome has
gathered so far (the output, who exited how). Counters that only name things (the heap's
sequence numbers, CPU generations, timer tokens) are left out, stale events dropped, so
two paths that converge hash alike; anything left in can only make equal states look
different (fewer prunes), never the reverse.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from typing import Any

from pydantic import BaseModel

from procdsl.kernel.opsupport import RuntimeProgram
from procdsl.kernel.process import PROC_FIELDS, Cpu, Proc

_PROC_SLOTS = tuple(s for s in PROC_FIELDS if s not in ("timer_token",))
_CPU_SLOTS = ("id", "curr", "last", "rq", "run_start", "seg_start", "slice_end", "resched")


_PLAIN = frozenset((int, str, tuple, list, dict, bool, type(None), bytes, bytearray))


def _rebuild(*_: Any) -> None:           # never called: the digest is never unpickled
    return None


class _Digest(pickle.Pickler):
    def __init__(self, buf: io.BytesIO, k: Any) -> None:
        super().__init__(buf, protocol=5)
        self.k = k

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) in _PLAIN:
            return None
        if obj is self.k:
            return "kernel"
        if obj is self.k.rng:
            return "rng"                      # its state goes in as one number (digest below)
        if type(obj) is RuntimeProgram:
            return ("program", obj.name)
        if isinstance(obj, BaseModel):       # the plan's objects: the same ones in every run of it
            return ("plan", id(obj))
        return None

    def reducer_override(self, obj: Any) -> Any:
        t = type(obj)
        if t is Proc:
            # the state goes after the object is memoized, so the process tree's cycles end there
            return _rebuild, (), tuple(getattr(obj, s, None) for s in _PROC_SLOTS)
        if t is Cpu:
            return _rebuild, (), tuple(getattr(obj, s) for s in _CPU_SLOTS)
        return NotImplemented


def _pending(k: Any) -> list:
    """The heap's live entries in the order they will run, without their naming counters."""
    out = []
    for time, prio, _seq, fn, a, b in sorted(k.heap + k.cpu_heap, key=lambda e: (e[0], e[1], e[2])):
        name = getattr(fn, "__name__", "")
        if name == "cpu_event":
            if b != a.gen:
                continue                      # superseded: it will do nothing
            b = None
        elif name == "_timer_fired":
            if b != a.timer_token:
                continue                      # cancelled
            b = None
        out.append((time, prio, name, a, b))
    return out


def digest(k: Any, seen_output: tuple, extra: tuple = ()) -> bytes:
    """The state's digest; `seen_output` is what the outcome has gathered so far."""
    root = (k.now, k.last_pid, k.nprocs, k.alive, k.pending_spawns, k.stopped, k.next_pipe, k.next_mutex,
            k.balance_pending, k.procs, k.by_label, k.cpus, k.sched, k.tty, k.tty_file, k.fs, k.init,
            _pending(k), hash(k.rng.getstate()), seen_output, extra)
    buf = io.BytesIO()
    _Digest(buf, k).dump(root)
    return hashlib.blake2b(buf.getvalue(), digest_size=16).digest()
