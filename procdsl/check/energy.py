"""Energy as the events tell it: each CPU's idle periods split into sleep-state residencies, and the joules.

An observer like model.Model (docs/design.md, section 4): the `power` event at the start of a
run names the model; a `switch` to the idle task starts an idle period and a `switch` from it
ends one (its cost includes the exit latency a `cstate` event reported). Busy time, waking
included, is spent at active power; an idle period at the powers of the states it passed
through (core/power.py's ladder). Without a power model there is nothing to add up.
"""

from __future__ import annotations

from typing import Optional

from procdsl.core.events import IDLE
from procdsl.core.power import residencies


class EnergyModel:
    def __init__(self, cpus: int) -> None:
        self.cpus = 0
        self.active = 0
        self.states: tuple = ()
        self.model = ""
        self.idle: dict[int, list[list[int]]] = {}   # per CPU [from, to]; to -1: still idle
        self.machine(cpus)
        self.wakeups: list[tuple[int, int, str, int]] = []        # (time, cpu, state, exit latency)
        self.handlers = {"power": self._on_power, "switch": self._on_switch, "cstate": self._on_cstate}

    def machine(self, cpus: int) -> None:
        """The machine's CPUs, known once a run's trace is (a model fed live learns them at its end):
        a CPU that never switched was idle from the start."""
        self.cpus = cpus
        for c in range(cpus):
            self.idle.setdefault(c, [[0, -1]])

    @property
    def on(self) -> bool:
        return bool(self.states)

    def _on_power(self, ev, _p, _i: int) -> None:
        self.model, self.active, self.states = ev.detail[0], ev.detail[1], tuple(tuple(s) for s in ev.detail[2])

    def _on_switch(self, ev, _p, _i: int) -> None:
        periods = self.idle.setdefault(ev.cpu, [[0, -1]])
        if ev.pid == IDLE:
            periods.append([ev.time, -1])
        elif ev.detail[0] == IDLE and periods and periods[-1][1] < 0:
            periods[-1][1] = ev.time

    def _on_cstate(self, ev, _p, _i: int) -> None:
        self.wakeups.append((ev.time, ev.cpu, ev.detail[0], ev.detail[2]))

    # ------------------------------------------------------------------ questions
    def residency(self, cpu: int, t: int) -> list[int]:
        """ns in each idle state up to t, shallowest first."""
        out = [0] * len(self.states)
        for start, end in self.idle.get(cpu, ()):
            if start >= t:
                break
            for i, ns in enumerate(residencies(self.states, (t if end < 0 else min(end, t)) - start)):
                out[i] += ns
        return out

    def energy_pj(self, t: int, cpu: Optional[int] = None) -> int:
        """pJ (mW x ns) used up to t by one CPU, or by all."""
        total = 0
        for c in ([cpu] if cpu is not None else range(self.cpus)):
            res = self.residency(c, t)
            total += self.active * (t - sum(res)) + sum(ns * st[1] for ns, st in zip(res, self.states))
        return total


def millijoules(pj: int) -> float:
    return round(pj / 1e9, 6)


QUERIES = frozenset(("energy", "residency"))


def call(e, lookup, compile_call):
    """`energy()` or `energy(cpu N)` in mJ; `residency(cpu N, "C6")`, the time CPU N spent in a state."""
    from procdsl.core.values import Dur, compile_expr
    if getattr(e, "func", None) not in QUERIES:
        return None
    args = [compile_expr(a, lookup, compile_call) for a in e.args]

    def off(env) -> bool:
        if env.model.energy.on:
            return False
        env.note("this machine has no power model (add `power skylake` to its machine block)")
        return True

    if e.func == "energy":
        def energy(env):
            if off(env):
                return None
            return millijoules(env.model.energy.energy_pj(env.t, args[0](env) if args else None))
        return energy

    def residency(env):
        if off(env) or len(args) != 2:
            return None
        cpu, state = args[0](env), args[1](env)
        names = [s[0] for s in env.model.energy.states]
        if state not in names:
            env.note(f"no idle state {state!r}: this model has " + ", ".join(names))
            return None
        return Dur(env.model.energy.residency(cpu, env.t)[names.index(state)])
    return residency
