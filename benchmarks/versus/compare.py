"""procdsl against SimPy on the five workloads, as paired, interleaved whole processes.

`python benchmarks/versus/compare.py [--rounds N] [WORKLOAD ...]` runs, for each workload,
`procdsl check W.proc` and `python simpy_models.py W` in turn N times (default 3), takes
each child's user + system CPU seconds and peak memory from the kernel's own accounting
(os.wait4), and prints the medians and the median of the pairwise ratios. The minimal heapq
loop (heapq_loop.py) is run in the same rounds as the floor for workload 1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = ("rr_sleepers", "pipeline", "fork_wait", "signals", "cfs_nice")


def measure(argv: list[str]) -> tuple[float, float]:
    """(CPU seconds, peak MiB) of one whole process."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    # checked here: argparse refuses an empty list (or a list default) against `choices`
    ap.add_argument("workloads", nargs="*", metavar="WORKLOAD", help=", ".join(WORKLOADS))
    args = ap.parse_args()
    unknown = [w for w in args.workloads if w not in WORKLOADS]
    if unknown:
        ap.error(f"unknown workload {unknown[0]!r} (choose from {', '.join(WORKLOADS)})")
    args.workloads = args.workloads or WORKLOADS
    procdsl = [sys.executable, "-m", "procdsl", "check"]
    print(f"{'workload':<12} {'procdsl s':>10} {'SimPy s':>8} {'ratio':>6} {'procdsl MiB':>12} {'SimPy MiB':>10}")
    for w in args.workloads:
        a, b, floor = [], [], []
        for _ in range(args.rounds):
            a.append(measure(procdsl + [os.path.join(HERE, w + ".proc")]))
            b.append(measure([sys.executable, os.path.join(HERE, "simpy_models.py"), w]))
            if w == "rr_sleepers":
                floor.append(measure([sys.executable, os.path.join(HERE, "heapq_loop.py")]))
        ratio = statistics.median(x[0] / y[0] for x, y in zip(a, b))
        print(f"{w:<12} {statistics.median(x[0] for x in a):>10.2f} {statistics.median(y[0] for y in b):>8.2f} "
              f"{ratio:>6.2f} {statistics.median(x[1] for x in a):>12.1f} {statistics.median(y[1] for y in b):>10.1f}")
        if floor:
            print(f"{'  heapq loop':<12} {statistics.median(f[0] for f in floor):>10.2f}   (whole process, same rounds)")


if __name__ == "__main__":
    main()
