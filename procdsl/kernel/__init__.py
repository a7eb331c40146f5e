"""The simulated machine: processes, CPUs, schedulers, signals, pipes, memory. Never imports the front end."""

from procdsl.kernel.loop import Kernel, run_plan

__all__ = ["Kernel", "run_plan"]
