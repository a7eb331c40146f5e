"""The event plan (what `procdsl compile` prints) and its compiler from the IR."""

from procdsl.plan.schema import (
    EventPlan,
    ExternalSignal,
    FileSpec,
    Limits,
    MachineConfig,
    Op,
    PlanModel,
    ProgramCode,
    SchedulerConfig,
    Start,
)

__all__ = ["EventPlan", "ExternalSignal", "FileSpec", "Limits", "MachineConfig", "Op", "PlanModel", "ProgramCode",
           "SchedulerConfig", "Start"]
