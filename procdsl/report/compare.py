"""Scheduling metrics of one run, and of one workload under several policies side by side."""

from __future__ import annotations

from typing import Any, Optional

from procdsl.check.checker import check
from procdsl.check.model import Model
from procdsl.kernel import run_plan
from procdsl.plan import EventPlan, SchedulerConfig
from procdsl.report import stats

SCHEDULERS = ("cfs", "eevdf", "fifo", "sjf", "stcf", "rr", "mlfq", "lottery", "stride")


def run_stats(plan: EventPlan, seed: Optional[int]) -> dict:
    trace = run_plan(plan, seed)
    model = Model(trace)
    procs = stats.per_process(model)
    cpus = stats.per_cpu(model, plan.machine.cpus)
    return {"title": plan.title, "scheduler": plan.machine.scheduler.name, "end_reason": trace.end_reason,
            "end_time": trace.end_time, "processes": [stats.as_dict(p) for p in procs],
            "cpus": [stats.as_dict(c) for c in cpus], "summary": stats.summary(procs, cpus, model),
            "energy": stats.energy(model, plan.machine.cpus),
            "_result": check(plan, trace)}


def _lengths_unknown(plan: EventPlan) -> bool:
    """Would sjf or stcf run blind here (some job's length is neither given nor fixed)?"""
    return any(start.burst is None and plan.programs[prog].burst is None
               for start in plan.starts for prog in start.programs)


def with_scheduler(plan: EventPlan, name: str) -> EventPlan:
    own = plan.machine.scheduler
    config = own if own.name == name else SchedulerConfig(name=name)
    return plan.model_copy(update={"machine": plan.machine.model_copy(update={"scheduler": config})})


def compare(plan: EventPlan, names: list[str], seed: Optional[int]) -> dict:
    out: dict[str, Any] = {"title": plan.title, "schedulers": {}}
    for name in names:
        if name in ("sjf", "stcf") and _lengths_unknown(plan):
            out["schedulers"][name] = {"skipped": "job lengths unknown (give them with `run PROG burst D`)"}
            continue
        r = run_stats(with_scheduler(plan, name), seed)
        result = r.pop("_result")
        r["expectations"] = {"hold": sum(1 for e in result.expectations if e.passed),
                             "total": len(result.expectations)}
        out["schedulers"][name] = r
    return out
