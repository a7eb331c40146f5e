"""The kernel's dispatch rate on workload 1 beside the minimal heapq loop's, in one process.

`python kernel_rate.py [ROUNDS] [--all]` alternates the two ROUNDS times (default 3) and prints
each one's best CPU time and dispatches per second, and the kernel's rate as a share of the
loop's. A dispatch is a `switch` to a task (not to a CPU's idle task). The kernel is timed
twice: keeping the whole trace (`run_plan`, as `procdsl run` does), and fed live to the
workload's expectations with nothing else recorded (as `procdsl check` runs it). With `--all` it also
prints the kernel's best CPU time (`run_plan` alone, trace kept) for the CFS, fork-tree and
signal workloads, which have no heapq loop to compare with.
"""

from __future__ import annotations

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# the checkout's procdsl only when none is installed: an interpreter with its own (the compiled
# kernel's, another checkout's) measures that one, as `python kernel_rate.py` is asked to
sys.path.append(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, HERE)

import heapq_loop  # noqa: E402

from procdsl.check import needs  # noqa: E402
from procdsl.check.model import Model  # noqa: E402
from procdsl.check.monitor import Feed  # noqa: E402
from procdsl.core.gcpause import paused_gc  # noqa: E402
from procdsl.kernel import loop as kernel_loop  # noqa: E402
from procdsl.kernel import run_plan  # noqa: E402
from procdsl.kernel.loop import Kernel  # noqa: E402
from procdsl.lang.load import load  # noqa: E402
from procdsl.pipeline import compile_unit  # noqa: E402


def kernel_once(plan) -> tuple[float, int]:
    start = time.process_time()
    trace = run_plan(plan)
    cpu = time.process_time() - start
    return cpu, sum(1 for e in trace.events if e[3] == "switch" and e[2] > 0)


def live_once(plan) -> float:
    """The kernel as `check` runs it (pipeline._monitored): its records go to the expectations'
    observers as they happen, and only the kinds they follow are recorded at all."""
    model = Model(facets=needs.facets(plan))
    kernel = Kernel(plan)
    kernel.events = feed = Feed(model)
    kernel.unheard = feed.unheard
    start = time.process_time()
    with paused_gc():
        kernel.run()
    return time.process_time() - start


def loop_once() -> tuple[float, int]:
    start = time.process_time()
    n = heapq_loop.run()
    return time.process_time() - start, n


OTHERS = ("cfs_nice", "fork_wait", "signals")


def kernel_time(name: str, rounds: int) -> tuple[float, int]:
    plan = compile_unit(load(os.path.join(HERE, f"{name}.proc")))[0]
    return min(kernel_once(plan) for _ in range(rounds))


def main(rounds: int, others: bool = False) -> None:
    plan = compile_unit(load(os.path.join(HERE, "rr_sleepers.proc")))[0]
    best_k = best_l = best_live = float("inf")
    for _ in range(rounds):
        ck, nk = kernel_once(plan)
        cl, nl = loop_once()
        best_live = min(best_live, live_once(plan))
        best_k, best_l = min(best_k, ck), min(best_l, cl)
    rk, rl, rlive = nk / best_k, nl / best_l, nk / best_live      # the same run: the same dispatches
    print(f"procdsl: {os.path.dirname(kernel_loop.__file__)}, kernel "
          f"{'compiled' if not kernel_loop.__file__.endswith('.py') else 'pure Python'}")
    print(f"kernel:     {nk} dispatches, best {best_k:.3f} s CPU, {rk:,.0f} dispatches/s")
    print(f"heapq loop: {nl} dispatches, best {best_l:.3f} s CPU, {rl:,.0f} dispatches/s")
    print(f"kernel / loop: {rk / rl:.1%}")
    print(f"kernel as check runs it: best {best_live:.3f} s CPU, {rlive:,.0f} dispatches/s, "
          f"{rlive / rl:.1%} of the loop")
    for name in OTHERS if others else ():
        cpu, n = kernel_time(name, rounds)
        print(f"{name}: kernel best {cpu:.3f} s CPU ({n} dispatches)")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--all"]
    main(int(args[0]) if args else 3, "--all" in sys.argv[1:])
