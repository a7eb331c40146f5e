"""The floor: workload 1 (1,000 tasks × (compute 10 ms, sleep 20 ms), 8 CPUs, RR 4 ms, 120 s)
as the smallest event loop that schedules it, a heap of (time, seq, what, who) and a FIFO
run queue. It models nothing else, so its dispatch rate bounds what any Python kernel can do.

`python heapq_loop.py` prints the dispatch count and the loop's dispatches per second.
"""

from __future__ import annotations

import time
from collections import deque
from heapq import heappop, heappush

MS = 1_000_000
SWITCH = 2_000


def run(tasks: int = 1000, cpus: int = 8, quantum: int = 4 * MS, until: int = 120_000 * MS) -> int:
    heap: list = []
    ready: deque = deque(range(tasks))
    left = [10 * MS] * tasks
    idle = list(range(cpus))
    seq = 0
    dispatches = 0
    now = 0
    while True:
        while idle and ready:                        # dispatch onto every idle CPU
            cpu, task = idle.pop(), ready.popleft()
            ran = min(quantum, left[task])
            left[task] -= ran
            dispatches += 1
            seq += 1
            heappush(heap, (now + SWITCH + ran, seq, cpu, task))
        if not heap:
            return dispatches
        now, _, cpu, task = heappop(heap)
        if now > until:
            return dispatches
        if cpu < 0:                                  # a sleep ended
            left[task] = 10 * MS
            ready.append(task)
            continue
        idle.append(cpu)
        if left[task]:
            ready.append(task)
        else:                                        # its compute is done: sleep 20 ms
            seq += 1
            heappush(heap, (now + 20 * MS, seq, -1, task))


if __name__ == "__main__":
    start = time.process_time()
    n = run()
    cpu = time.process_time() - start
    print(f"{n} dispatches in {cpu:.3f} s CPU: {n / cpu:,.0f} dispatches/s")
