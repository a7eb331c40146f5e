"""Static checks of the `machine` block: each setting's name and value, each policy's settings, and the
settings that only make sense together."""

from __future__ import annotations

from procdsl import ir
from procdsl.lang.diagnostics import did_you_mean
from procdsl.lang.lower import MAX_CPUS
from procdsl.lang.validate_mem import stack_setting
from procdsl.lang.validate_power import power_setting

SCHEDULERS = ("cfs", "eevdf", "fifo", "sjf", "stcf", "rr", "mlfq", "lottery", "stride")
# setting name -> the kind of value it takes
MACHINE_SETTINGS = {
    "cpus": "int", "scheduler": "name", "context_switch": "duration", "cache_refill": "duration",
    "step": "duration", "syscall": "duration", "copy_kib": "duration", "fork": "duration", "exec": "duration", "pid_max": "int",
    "seed": "int", "tick": "duration", "balance_interval": "duration", "max_processes": "int",
    "max_events": "int", "max_time": "duration", "max_output": "size", "core_limit": "core_size",
    "tostop": "int",
    "run_queue": "name", "balance": "name", "peek_interval": "duration", "cache_size": "int",
    "cache_warmup": "duration", "warm_rate": "int", "cold_rate": "int",
    "stack_limit": "size", "fork_page": "duration", "power": "name",
}
# the machine settings whose value is one of a few names
NAMED_VALUES = {"run_queue": ("per_cpu", "shared"), "balance": ("linux", "steal", "none")}
OUTPUT_CEILING = 256 << 20      # bytes: the largest max_output, so that no scenario's output exhausts the host


class MachineChecks:
    """Mixed into validate.Validator; they use its error check."""

    def setting(self, st: ir.Setting) -> None:
        kind = MACHINE_SETTINGS.get(st.name)
        if kind is None:
            self.error(f"unknown machine setting '{st.name}'{did_you_mean(st.name, MACHINE_SETTINGS)}", st.span)
            return
        if st.name == "stack_limit":
            stack_setting(self, st)
            return
        if st.name == "power":
            power_setting(self, st)
            return
        if st.name == "scheduler":
            if st.value_type != "name" or st.value not in SCHEDULERS:
                self.error(f"unknown scheduler '{st.value}'{did_you_mean(str(st.value), SCHEDULERS)}", st.value_span,
                           "schedulers: " + ", ".join(SCHEDULERS))
            # each policy's settings and the kind of value each takes; `rt_quantum` is the
            # real-time RR quantum, which every policy runs under
            policy_settings = {
                "cfs": {"latency": "duration", "min_granularity": "duration", "wakeup_granularity": "duration"},
                "eevdf": {"slice": "duration"}, "fifo": {"switch_on_end": "int", "io_run_immediate": "int"},
                "sjf": {}, "stcf": {}, "rr": {"quantum": "duration"},
                "mlfq": {"queues": "int", "quantum": "duration", "allotment": "duration", "boost": "duration",
                         "io_reset": "int", "io_bump": "int"},
                "lottery": {"quantum": "duration"}, "stride": {"quantum": "duration"},
            }
            # rt_runtime / rt_period: RT throttling (sched_rt_runtime_us, sched_rt_period_us)
            known = dict(policy_settings.get(str(st.value), {}), rt_quantum="duration", rt_runtime="duration",
                         rt_period="duration")
            levels = 3
            for sub in st.settings:
                if sub.name == "queues" and sub.value_type == "int":
                    levels = int(sub.value)
            if st.value == "mlfq":
                for i in range(max(levels, 0)):
                    known[f"quantum_{i}"] = known[f"allotment_{i}"] = "duration"
            for sub in st.settings:
                want = known.get(sub.name)
                if want is None:
                    names = ", ".join(n for n in known if not n[-1].isdigit()) or "none but rt_quantum"
                    self.error(f"scheduler {st.value} has no setting '{sub.name}'{did_you_mean(sub.name, known)}",
                               sub.span, f"its settings: {names}" + (" (and quantum_N, allotment_N per level)"
                                                                     if st.value == "mlfq" else ""))
                elif want == "duration" and sub.value_type != "duration":
                    if sub.value_type == "int":
                        self.error("a duration needs a unit", sub.value_span, f"write {sub.value}ms or {sub.value}us")
                    else:
                        self.error(f"scheduler setting '{sub.name}' takes a duration", sub.value_span)
                elif want == "duration" and int(sub.value) <= 0:
                    if sub.name != "boost":        # boost 0 means never
                        self.error(f"scheduler setting '{sub.name}' must be longer than 0", sub.value_span)
                elif want == "int" and sub.value_type != "int":
                    self.error(f"scheduler setting '{sub.name}' takes a whole number", sub.value_span)
                elif sub.name == "queues" and not 1 <= int(sub.value) <= 64:
                    self.error("queues must be between 1 and 64", sub.value_span)
                elif sub.name in ("io_reset", "io_bump", "switch_on_end", "io_run_immediate") \
                        and int(sub.value) not in (0, 1):
                    self.error(f"{sub.name} is 0 or 1", sub.value_span)
            given = {sub.name: sub for sub in st.settings if sub.value_type == "duration"}
            runtime, period = given.get("rt_runtime"), given.get("rt_period")
            if runtime is not None and int(runtime.value) > (int(period.value) if period else 1_000_000_000):
                self.error("rt_runtime cannot be longer than rt_period (1s unless set)", runtime.value_span,
                           "rt_runtime equal to rt_period turns real-time throttling off")
            return
        if kind == "duration" and st.value_type != "duration":
            if st.value_type == "int":
                self.error("a duration needs a unit", st.value_span, f"write {st.value}ms, {st.value}us or {st.value}ns")
            else:
                self.error(f"machine setting '{st.name}' takes a duration", st.value_span)
        elif kind == "core_size" and not (st.value_type == "size" or (st.value_type == "int" and st.value == 0)
                                          or (st.value_type == "name" and st.value == "unlimited")):
            self.error(f"machine setting '{st.name}' takes a size (4KiB, 8 pages), 0 or unlimited", st.value_span)
        elif kind == "int" and st.value_type != "int":
            self.error(f"machine setting '{st.name}' takes a whole number", st.value_span)
        elif kind == "size" and st.value_type not in ("size", "int"):
            self.error(f"machine setting '{st.name}' takes a size", st.value_span, "write 4MiB, 64KiB or a number of bytes")
        elif kind == "size" and int(st.value) > OUTPUT_CEILING:
            self.error(f"{st.name} is at most 256MiB", st.value_span,
                       "a run keeps all its output in memory; a scenario needs far less")
        elif kind == "int" and st.name == "cpus" and not 1 <= int(st.value) <= MAX_CPUS:
            self.error(f"cpus must be between 1 and {MAX_CPUS}", st.value_span)
        elif kind == "int" and st.name == "tostop" and int(st.value) not in (0, 1):
            self.error("tostop is 0 or 1", st.value_span, "`tostop 1` is `stty tostop`: a background job that writes to the terminal is stopped")
        elif kind == "int" and st.name == "pid_max" and int(st.value) < 3:
            self.error("pid_max must be at least 3: PID 1 is init and a scenario runs at least one process",
                       st.value_span)
        elif st.name in NAMED_VALUES and (st.value_type != "name" or st.value not in NAMED_VALUES[st.name]):
            names = NAMED_VALUES[st.name]
            self.error(f"{st.name} is {', '.join(names[:-1])} or {names[-1]}{did_you_mean(str(st.value), names)}",
                       st.value_span)
        elif st.name in ("warm_rate", "cold_rate") and int(st.value) < 1:
            self.error(f"{st.name} is the work done per unit of time: at least 1", st.value_span)
        elif st.name == "peek_interval" and int(st.value) <= 0:
            self.error("peek_interval must be longer than 0", st.value_span, "`balance none` never moves a task")

    def machine_combination(self, machine: ir.Machine) -> None:
        """Settings that only make sense together (multi-CPU queues and the textbook's policies)."""
        given = {st.name: st for st in machine.settings}
        policy = given.get("scheduler")
        name = str(policy.value) if policy is not None else "cfs"
        subs = {sub.name for sub in policy.settings} if policy is not None else set()
        shared = given.get("run_queue")
        if shared is not None and shared.value == "shared":
            if name not in ("fifo", "rr"):
                self.error(f"run_queue shared works with the fifo and rr schedulers, not {name}", shared.span,
                           "one queue shared by all CPUs is OSTEP's multi.py model, which runs round robin")
            elif subs & {"switch_on_end", "io_run_immediate"}:
                self.error("run_queue shared does not combine with switch_on_end or io_run_immediate", shared.span,
                           "process-run's rules are for a CPU with a queue of its own")
            if "balance" in given:
                self.error("a shared run queue has nothing to balance", given["balance"].span, "drop `balance`")
        peek = given.get("peek_interval")
        balance = given.get("balance")
        if peek is not None and (balance is None or balance.value != "steal"):
            self.error("peek_interval is how often `balance steal` looks for work", peek.span,
                       "add `balance steal`, or drop peek_interval")
