"""The CPU-bound round-robin workload written the idiomatic SimPy way, as a yardstick for procdsl's kernel.

Each job is a SimPy process that asks a Resource with one slot per CPU for a turn, holds it
for the context-switch cost plus one quantum (or what is left of its work), releases it and
queues again at the tail: FIFO queueing with a quantum is round robin. It models less than
procdsl (no PIDs, trace, signals or per-CPU queues), so it is a lower bound on the work a
dispatch needs, not an equal.
"""

from __future__ import annotations

import simpy


def run(nprocs: int, cpus: int, work_ns: int, quantum_ns: int, switch_ns: int = 2_000) -> tuple[int, int]:
    """Run the model to the end; returns (dispatches, simulated end time in ns)."""
    env = simpy.Environment()
    cpu = simpy.Resource(env, capacity=cpus)
    dispatches = 0

    def job(remaining: int):
        nonlocal dispatches
        while remaining > 0:
            with cpu.request() as turn:
                yield turn
                dispatches += 1
                run_for = min(quantum_ns, remaining)
                yield env.timeout(switch_ns + run_for)
                remaining -= run_for

    for _ in range(nprocs):
        env.process(job(work_ns))
    env.run()
    return dispatches, int(env.now)
