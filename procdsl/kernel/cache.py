"""Per-CPU caches as OSTEP's multi.py models them: a job warms a CPU's cache by running there, then runs faster.

Each CPU's cache holds the working sets of the jobs warm in it, most recently warmed last,
up to `cache_size` units. A job that runs on a CPU where it is not warm runs at `cold_rate`
(work per ns) and becomes warm after `cache_warmup` of running there, counted over any
number of runs; from then on it runs at `warm_rate`. Warming a job in evicts the oldest
warm jobs while the working sets exceed the cache, and an evicted job must warm up again
from the start; a job whose working set alone exceeds the cache evicts everyone and itself,
so it is never warm. A job that exits stays in the caches until it is evicted, as in multi.py.
"""

from __future__ import annotations

from typing import Any

from procdsl.kernel.priorities import P_TIMER
from procdsl.kernel.process import Cpu, Proc
from procdsl.kernel.state import KernelState


class CpuCache:
    __slots__ = ("warm", "used", "warming", "token", "cold_from")

    def __init__(self) -> None:
        self.warm: dict[Proc, None] = {}        # the warm jobs, oldest first
        self.used = 0                           # their working sets, summed
        self.warming: dict[Proc, int] = {}      # job -> running time it still needs here to be warm
        self.token = 0                          # bumped when the pending warm-up event is void
        self.cold_from = 0                      # when the running job's current cold stretch began


class Caches(KernelState):
    """Kernel methods for the cache model (a link of Kernel's chain, kernel/state.py); `self.caches`
    is None without one. With one, the kernel's `arm` and `leave_cpu` call `cache_dispatch` and
    `cache_leave`."""

    __slots__ = ()

    def setup_caches(self, m: Any) -> None:
        self.caches = [CpuCache() for _ in self.cpus] if m.cache_size else None
        self.cache_size, self.cache_warmup = m.cache_size, m.cache_warmup
        self.warm_rate, self.cold_rate = m.warm_rate, m.cold_rate

    def cache_dispatch(self, cpu: Cpu, p: Proc, start: int) -> None:
        """`p` starts running on `cpu` at `start`: its rate there, and when it will be warm."""
        cache = self.caches[cpu.id]
        if p in cache.warm:
            cpu.rate = self.warm_rate
            return
        cpu.rate = self.cold_rate
        left = cache.warming.setdefault(p, self.cache_warmup)
        cache.cold_from = start
        cache.token += 1
        self.post(start + left, P_TIMER, self._warmed, cpu, cache.token)

    def cache_leave(self, cpu: Cpu, p: Proc) -> None:
        """`p` leaves `cpu` now: the warm-up it did keeps; a job that exited warms up no more."""
        cache = self.caches[cpu.id]
        cache.token += 1
        left = cache.warming.get(p)
        if left is not None:
            if not p.alive:
                del cache.warming[p]
            else:
                cache.warming[p] = max(0, left - max(0, self.now - cache.cold_from))
        elif not p.alive and not p.wset:
            cache.warm.pop(p, None)             # it takes no room and can never run again
        cpu.rate = 1

    def _warmed(self, cpu: Cpu, token: Any) -> bool:
        cache = self.caches[cpu.id]
        if token != cache.token:
            return False                        # it left the CPU first: the event is void
        p: Any = cpu.curr                       # on the CPU: a warm-up is void once it leaves
        self.settle(cpu, p)                     # the work done cold up to now
        del cache.warming[p]
        cache.warm[p] = None
        cache.used += p.wset
        evicted = []
        while cache.used > self.cache_size:
            oldest = next(iter(cache.warm))
            del cache.warm[oldest]
            cache.used -= oldest.wset
            cache.warming[oldest] = self.cache_warmup
            if oldest is not p and oldest.alive:
                evicted.append(oldest)
        if p in cache.warm:
            self.emit(cpu.id, p.pid, "cache", ("warm",))
        for q in evicted:
            self.emit(cpu.id, q.pid, "cache", ("evicted",))
        if p in cache.warm:
            cpu.rate = self.warm_rate
            self.kick(cpu)
        elif self.cache_warmup:                 # too big for this cache: it warms up again, in vain
            cache.cold_from = self.now
            cache.token += 1
            self.post(self.now + self.cache_warmup, P_TIMER, self._warmed, cpu, cache.token)
        return True
