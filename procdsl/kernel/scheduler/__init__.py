"""Scheduling policies by name, and the real-time classes the kernel puts above one (rt.py)."""

from __future__ import annotations

from procdsl.kernel.scheduler.base import Scheduler
from procdsl.kernel.scheduler.cfs import Cfs
from procdsl.kernel.scheduler.eevdf import Eevdf
from procdsl.kernel.scheduler.mlfq import Mlfq
from procdsl.kernel.scheduler.proportional import Lottery, Stride
from procdsl.kernel.scheduler.rr import Fifo, RoundRobin
from procdsl.kernel.scheduler.rt import RealTime
from procdsl.kernel.scheduler.shortest import Sjf, Stcf

# name -> policy class, built as cls(cpus, settings, rng)
POLICIES: dict[str, type[Scheduler]] = {
    cls.name: cls for cls in (Cfs, Eevdf, Fifo, Sjf, Stcf, RoundRobin, Mlfq, Lottery, Stride)
}

__all__ = ["POLICIES", "RealTime", "Scheduler"]
