"""Scheduling metrics of one run, per process and per CPU, in the vocabulary of `perf sched latency`.

Every number is computed from the replayed trace (procdsl.model), so it agrees with what
expectations such as `turnaround(p)` or `utilization(cpu 0)` see. Times are integer ns.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional

from procdsl.check.energy import millijoules
from procdsl.check.model import Model, ProcInfo

PROC_COLUMNS = ("runtime", "wait", "response", "turnaround", "avg_delay", "max_delay", "switches", "voluntary",
                "involuntary", "migrations")
SUMMARY_COLUMNS = ("avg_turnaround", "avg_response", "avg_wait", "max_delay", "switches", "involuntary",
                   "migrations", "makespan")


@dataclass(frozen=True)
class ProcStats:
    name: str
    pid: int
    runtime: int                 # CPU time
    wait: int                    # runnable but not running
    response: Optional[int]      # first run - start
    turnaround: Optional[int]    # exit - start
    avg_delay: int               # mean wait from runnable to running
    max_delay: int
    switches: int
    voluntary: int
    involuntary: int
    migrations: int


@dataclass(frozen=True)
class CpuStats:
    cpu: int
    utilization: float
    busy: int
    idle: int
    switches: int


def proc_stats(model: Model, p: ProcInfo) -> ProcStats:
    end = model.end
    delays = [ran - since for since, ran in p.waits if ran <= end]
    voluntary = sum(1 for _, v in p.switch_times if v)
    return ProcStats(
        name=p.name, pid=p.pid, runtime=model.cpu_time(p, end), wait=model.wait_time(p, end),
        response=p.first_run - p.created if p.first_run is not None else None,
        turnaround=p.exit_time - p.created if p.exit_time is not None else None,
        avg_delay=sum(delays) // len(delays) if delays else 0, max_delay=max(delays, default=0),
        switches=len(p.switch_times), voluntary=voluntary, involuntary=len(p.switch_times) - voluntary,
        migrations=len(p.migrations))


def shown_procs(model: Model) -> list[ProcInfo]:
    """Every process but a built-in init that never ran (it only reaps)."""
    return [p for p in model.procs if not (p.pid == 1 and not p.runs)]


def per_process(model: Model) -> list[ProcStats]:
    return [proc_stats(model, p) for p in shown_procs(model)]


def per_cpu(model: Model, ncpus: int) -> list[CpuStats]:
    end = model.end
    out = []
    for cpu in range(ncpus):
        util = model.utilization(cpu, end)
        busy = round(util * end)
        out.append(CpuStats(cpu=cpu, utilization=util, busy=busy, idle=end - busy,
                            switches=len(model.cpu_switches.get(cpu, []))))
    return out


def _mean(values: list[int]) -> Optional[int]:
    return round(sum(values) / len(values)) if values else None


def summary(procs: list[ProcStats], cpus: list[CpuStats], model: Model) -> dict[str, Optional[int]]:
    """One row per run, for comparing policies: averages over the processes that got there."""
    exits = [p.exit_time for p in model.procs if p.exit_time is not None and p.pid != 1]
    return {
        "avg_turnaround": _mean([p.turnaround for p in procs if p.turnaround is not None and p.pid != 1]),
        "avg_response": _mean([p.response for p in procs if p.response is not None and p.pid != 1]),
        "avg_wait": _mean([p.wait for p in procs if p.pid != 1]),
        "max_delay": max((p.max_delay for p in procs), default=0),
        "switches": sum(c.switches for c in cpus),
        "involuntary": sum(p.involuntary for p in procs),
        "migrations": sum(p.migrations for p in procs),
        "makespan": max(exits, default=None),
    }


def energy(model: Model, ncpus: int) -> Optional[dict]:
    """With a power model: each CPU's residency per idle state and energy, the total, and the wake-ups
    from a sleep state with the exit latency they cost (check/energy.py)."""
    e = model.energy
    if not e.on:
        return None
    end = model.end
    cpus = [{"cpu": c, "residency": dict(zip((s[0] for s in e.states), e.residency(c, end))),
             "energy_mj": millijoules(e.energy_pj(end, c))} for c in range(ncpus)]
    return {"model": e.model, "energy_mj": millijoules(e.energy_pj(end)), "cpus": cpus,
            "wakeups": len(e.wakeups), "exit_latency": sum(w[3] for w in e.wakeups)}


def as_dict(row) -> dict:
    return asdict(row)
