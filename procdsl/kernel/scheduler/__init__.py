"""Scheduling policies by name."""

from __future__ import annotations

from procdsl.kernel.scheduler.base import Scheduler
from procdsl.kernel.scheduler.cfs import Cfs
from procdsl.kernel.scheduler.rr import Fifo, RoundRobin

POLICIES: dict[str, type[Scheduler]] = {"cfs": Cfs, "rr": RoundRobin, "fifo": Fifo}

__all__ = ["POLICIES", "Scheduler"]
