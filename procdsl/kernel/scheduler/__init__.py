"""Scheduling policies by name; each runs under the real-time classes (rt.py)."""

from __future__ import annotations

from typing import Any, Callable

from procdsl.kernel.scheduler.base import Scheduler
from procdsl.kernel.scheduler.cfs import Cfs
from procdsl.kernel.scheduler.eevdf import Eevdf
from procdsl.kernel.scheduler.mlfq import Mlfq
from procdsl.kernel.scheduler.proportional import Lottery, Stride
from procdsl.kernel.scheduler.rr import Fifo, RoundRobin
from procdsl.kernel.scheduler.rt import with_rt
from procdsl.kernel.scheduler.shortest import Sjf, Stcf

# name -> factory(cpus, settings, rng) -> Scheduler
POLICIES: dict[str, Callable[..., Any]] = {
    cls.name: with_rt(cls) for cls in (Cfs, Eevdf, Fifo, Sjf, Stcf, RoundRobin, Mlfq, Lottery, Stride)
}

__all__ = ["POLICIES", "Scheduler"]
