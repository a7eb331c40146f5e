"""The five comparison workloads as idiomatic SimPy models: `python simpy_models.py NAME` runs one.

Each model keeps what the workload's numbers depend on (the CPUs as a Resource, the time
each step takes, the scheduling rule) and nothing procdsl adds (PIDs, a trace, signals'
dispositions, per-CPU queues, load balancing), so it is a lower bound on the work, not an
equal. Times are integer nanoseconds as in procdsl.
"""

from __future__ import annotations

import sys

import simpy

US, MS, S = 1_000, 1_000_000, 1_000_000_000
SWITCH = 2 * US          # procdsl's default context_switch


def rr_sleepers(tasks: int = 1000, cpus: int = 8, quantum: int = 4 * MS, until: int = 120 * S) -> str:
    """Tasks computing 10 ms in quanta on a FIFO Resource (round robin), then sleeping 20 ms."""
    env = simpy.Environment()
    cpu = simpy.Resource(env, capacity=cpus)
    dispatches = 0

    def task():
        nonlocal dispatches
        while True:
            remaining = 10 * MS
            while remaining > 0:
                with cpu.request() as turn:
                    yield turn
                    dispatches += 1
                    run_for = min(quantum, remaining)
                    yield env.timeout(SWITCH + run_for)
                    remaining -= run_for
            yield env.timeout(20 * MS)

    for _ in range(tasks):
        env.process(task())
    env.run(until=until)
    return f"{dispatches} dispatches"


def pipeline(stages: int = 100, messages: int = 10_000, cpus: int = 8) -> str:
    """A chain of Stores: each stage takes a line, spends a step on a CPU, and passes it on."""
    env = simpy.Environment()
    cpu = simpy.Resource(env, capacity=cpus)
    pipes = [simpy.Store(env) for _ in range(stages - 1)]
    counted = []

    def source(out):
        for i in range(messages):
            with cpu.request() as turn:
                yield turn
                yield env.timeout(1)
            yield out.put(f"m{i}")
        yield out.put(None)

    def stage(inp, out):
        while True:
            line = yield inp.get()
            with cpu.request() as turn:
                yield turn
                yield env.timeout(1)
            yield out.put(line)
            if line is None:
                return

    def sink(inp):
        n = 0
        while (yield inp.get()) is not None:
            with cpu.request() as turn:
                yield turn
                yield env.timeout(1)
            n += 1
        counted.append(n)

    env.process(source(pipes[0]))
    for a, b in zip(pipes, pipes[1:]):
        env.process(stage(a, b))
    env.process(sink(pipes[-1]))
    env.run()
    return f"{counted[0]} messages"


def fork_wait(mids: int = 100, leaves: int = 99, cpus: int = 8) -> str:
    """A root starts 100 processes, each starts 99 leaves and waits for each; the root waits for its 100."""
    env = simpy.Environment()
    cpu = simpy.Resource(env, capacity=cpus)
    done = 0

    def leaf():
        nonlocal done
        with cpu.request() as turn:
            yield turn
            yield env.timeout(SWITCH + 10 * US)
        done += 1

    def mid():
        kids = [env.process(leaf()) for _ in range(leaves)]
        yield from kids

    def root():
        kids = [env.process(mid()) for _ in range(mids)]
        yield from kids

    env.process(root())
    env.run()
    return f"{done} leaves"


def signals(handlers: int = 100, rounds: int = 1000, cpus: int = 8) -> str:
    """Handlers waiting for an interrupt (pause), a driver interrupting every one per round."""
    env = simpy.Environment()
    cpu = simpy.Resource(env, capacity=cpus)
    handled = 0

    def handler():
        nonlocal handled
        hits = 0
        while hits < rounds:
            try:
                yield env.event()                 # pause: wait for ever, until interrupted
            except simpy.Interrupt:
                with cpu.request() as turn:
                    yield turn
                    yield env.timeout(SWITCH)
                hits += 1
                handled += 1

    def driver(procs):
        yield env.timeout(1 * MS)
        for _ in range(rounds):
            for p in procs:
                p.interrupt()
            yield env.timeout(100 * US)
        for p in procs:
            yield p

    procs = [env.process(handler()) for _ in range(handlers)]
    env.process(driver(procs))
    env.run()
    return f"{handled} handled"


# Linux's sched_prio_to_weight for nice -10 .. 9
WEIGHTS = [9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277,
           1024, 820, 655, 526, 423, 335, 272, 215, 172, 137]


def cfs_nice(tasks: int = 100, cpus: int = 4, until: int = 60 * S) -> str:
    """CFS's rule on a PriorityResource: the least virtual runtime runs next, for its weighted slice."""
    env = simpy.Environment()
    cpu = simpy.PriorityResource(env, capacity=cpus)
    latency, min_gran = 18 * MS, 2_250_000       # 6 ms and 0.75 ms scaled by 1 + log2(4)
    per_cpu = sum(WEIGHTS[i % 20] for i in range(tasks)) / cpus
    dispatches = 0

    def task(weight):
        nonlocal dispatches
        vruntime = 0
        ran = max(int(latency * weight / per_cpu), min_gran)
        while True:
            with cpu.request(priority=vruntime) as turn:
                yield turn
                dispatches += 1
                yield env.timeout(SWITCH + ran)
            vruntime += ran * 1024 // weight

    for i in range(tasks):
        env.process(task(WEIGHTS[i % 20]))
    env.run(until=until)
    return f"{dispatches} dispatches"


MODELS = {f.__name__: f for f in (rr_sleepers, pipeline, fork_wait, signals, cfs_nice)}

if __name__ == "__main__":
    print(MODELS[sys.argv[1]]())
