"""The wake-up and kill(-1) shortcuts give what the long way gives: in every policy, and on every scenario.

`Scheduler.idle_cpu` answers in one call what select_cpu asked nr_queued of every idle CPU for;
idle_pull finds the longest queue without a key function; kill(-1) checks a root sender's
permission once and generates the signal without `send_permitted` when its rules cannot apply.
Each is compared here with the way it replaced.
"""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procdsl import pipeline
from procdsl.kernel import signals
from procdsl.kernel.loop import Kernel
from procdsl.kernel.process import Cpu, Proc
from procdsl.kernel.runqueue import RunQueues
from procdsl.kernel.scheduler import POLICIES, RealTime
from procdsl.kernel.scheduler.base import NEW, WAKEUP
from tests.helpers import SCENARIOS, interpreted_kernel

ROOT = SCENARIOS.parent
FILES = sorted(SCENARIOS.glob("*.proc")) + [ROOT / "benchmarks" / "signal_storm.proc"]


def _first_idle(sched, cpus, first=None):
    """The long way: nr_queued of each CPU that runs nothing, `first` first, then in order."""
    if first is not None and first.curr is None and sched.nr_queued(first) == 0:
        return first
    for c in cpus:
        if c.curr is None and sched.nr_queued(c) == 0:
            return c
    return None


def _machine(name, data):
    """CPUs under policy `name` (with real-time tasks or not), each running a task or not, with 0-2 queued."""
    n = data.draw(st.integers(1, 6))
    cpus = [Cpu(i) for i in range(n)]
    sched = POLICIES[name](cpus, {}, random.Random(0))
    parent = Proc(1, 1)
    if data.draw(st.booleans(), label="real-time tasks"):
        rt = Proc(2, 2)
        rt.rt = ("fifo", 10)
        sched = RealTime(sched)               # as the kernel puts it above the policy
        sched.fork(parent, rt, None)
        sched.enqueue(cpus[data.draw(st.integers(0, n - 1))], rt, 0, NEW)
    pid = 3
    for cpu in cpus:
        if data.draw(st.booleans()):
            cpu.curr = Proc(pid, pid)
            pid += 1
        for _ in range(data.draw(st.integers(0, 2))):
            p = Proc(pid, pid)
            pid += 1
            sched.fork(parent, p, None)
            sched.enqueue(cpu, p, 0, NEW)
    return cpus, sched


@pytest.mark.parametrize("name", sorted(POLICIES))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_idle_cpu_is_the_first_cpu_that_runs_nothing_and_queues_nothing(name, data) -> None:
    cpus, sched = _machine(name, data)
    allowed = data.draw(st.lists(st.sampled_from(cpus), min_size=1, unique=True))
    allowed.sort(key=lambda c: c.id)
    first = data.draw(st.sampled_from(allowed))
    for subset in (cpus, allowed):
        assert sched.idle_cpu(subset) is _first_idle(sched, subset)
        assert sched.idle_cpu(subset, first) is _first_idle(sched, subset, first)


@interpreted_kernel
@pytest.mark.parametrize("name", sorted(POLICIES))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_the_busiest_queue_is_the_longest_with_the_lowest_id(name, data) -> None:
    cpus, sched = _machine(name, data)
    machine = SimpleNamespace(cpus=cpus, sched=sched)
    assert RunQueues.busiest_queue(machine) == LongWay.busiest_queue(machine)


class LongWay(Kernel):
    """The kernel as it placed tasks and found the busiest queue before the shortcuts: nr_queued
    of every idle CPU in turn, and a key function over all CPUs."""

    def select_cpu(self, p, near, why):
        cpus = self.cpus
        if len(cpus) == 1 or self.shared_queue or (why == WAKEUP and self.homing and self.policy.home(p) >= 0):
            return super().select_cpu(p, near, why)        # the paths the shortcut left as they were
        allowed = [c for c in cpus if p.affinity is None or c.id in p.affinity] or cpus
        idle = [c for c in allowed if c.curr is None and self.sched.nr_queued(c) == 0]
        prev = cpus[p.last_cpu] if why == WAKEUP and p.last_cpu >= 0 else None
        if prev in idle:
            return prev
        if idle:
            return idle[0]
        if prev in allowed:
            return prev
        return min(allowed, key=lambda c: (self.sched.nr_queued(c) + (c.curr is not None), c.id))

    def busiest_queue(self):
        busiest = max(self.cpus, key=lambda c: (self.sched.nr_queued(c), -c.id))
        return busiest, self.sched.nr_queued(busiest)


def _kill_all_the_long_way(k, sender, sig):
    count = 0
    for q in tuple(k.procs.values()):
        if q.pid > 1 and q is not sender:
            count += 1
            if signals.may_signal(sender, q):
                signals.send_permitted(k, sender, q, sig)
    k.nsteps += count
    return 0 if count else signals.ERRNO["ESRCH"]


@interpreted_kernel
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_run_is_the_long_ways_run(path, monkeypatch) -> None:
    _unit, plans, diags = pipeline.compile_path(str(path))
    assert not diags
    short = [Kernel(plan).run() for plan in plans]
    monkeypatch.setattr(signals, "kill_all", _kill_all_the_long_way)
    for plan, fast in zip(plans, short):
        slow = LongWay(plan).run()
        assert list(fast.events) == list(slow.events)
        assert (fast.end_time, fast.end_reason, fast.labels) == (slow.end_time, slow.end_reason, slow.labels)


@interpreted_kernel
def test_the_long_way_is_what_is_compared() -> None:
    """The reference really differs in how it works: placement after a wake-up asks each idle CPU."""
    asked = []
    plan = pipeline.compile_path(str(ROOT / "benchmarks" / "signal_storm.proc"))[1][0]
    k = LongWay(plan)
    nr_queued = k.sched.nr_queued
    k.sched.nr_queued = lambda c: asked.append(c.id) or nr_queued(c)
    k.run()
    assert asked
