"""The power model: a CPU's active power and its idle states (power, exit latency, target residency).

An idle CPU sleeps ladder-fashion: it enters the shallowest state at once and moves one state
deeper each time it has been idle for that state's target residency (as Linux's ladder
governor promotes a CPU that keeps staying idle, without predicting the future as menu
and teo do). Waking it costs the exit latency of the state it reached, at active power.
The kernel uses this to delay a wake-up; the checker and `procdsl stats` use it to split
each idle period into residencies and to add up the energy, from the same events.

The latencies and residencies of the `skylake` preset are Linux's drivers/idle/intel_idle.c
`skl_cstates` (Skylake client; C1 2/2 us, C1E 10/20, C3 70/100, C6 85/200). intel_idle
publishes no power per state: those figures are procdsl's assumptions, in the right order
of magnitude for one core and documented as such in docs/energy.md.
"""

from __future__ import annotations

# name -> (active mW, ((state, mW, exit latency ns, target residency ns), ...)), shallowest first
PRESETS: dict[str, tuple[int, tuple[tuple[str, int, int, int], ...]]] = {
    "skylake": (4000, (("POLL", 4000, 0, 0), ("C1", 1000, 2_000, 2_000), ("C1E", 700, 10_000, 20_000),
                       ("C3", 300, 70_000, 100_000), ("C6", 50, 85_000, 200_000))),
    "simple": (1000, (("POLL", 1000, 0, 0), ("C1", 300, 1_000, 1_000), ("C6", 10, 100_000, 300_000))),
}


def state_after(states: tuple, idle: int) -> int:
    """The index of the state a CPU idle for `idle` ns has reached."""
    i = 0
    for j, st in enumerate(states):
        if st[3] <= idle:
            i = j
    return i


def residencies(states: tuple, idle: int) -> list[int]:
    """How long an idle period of `idle` ns spends in each state, shallowest first."""
    out = [0] * len(states)
    for j, st in enumerate(states):
        start = st[3]
        if start >= idle and j:
            break
        end = states[j + 1][3] if j + 1 < len(states) else idle
        out[j] = max(0, min(end, idle) - start)
    return out
