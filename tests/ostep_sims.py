"""The OSTEP homework simulators' output read back: each run becomes a .proc scenario, and procdsl's run of it is
compared with what the simulator printed, tick by tick and in its final statistics.

A fixture (tests/ostep/SIM/NAME.txt) is a simulator's output exactly as printed, after a first line
`$ ./SIM.py ARGS` that says how it was made. Only what the output and the command say is used, so a
run whose workload was drawn from a seed (`process-run.py -s 1 -l 3:50,3:50`, `mlfq.py -s 2 -j 3`,
`multi.py -s 2 -j 4`) is translated from the programs the simulator printed."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from procdsl.check.model import Model

FIXTURES = Path(__file__).resolve().parent / "ostep"
SCRIPTS = {"process-run": "cpu-intro/process-run.py", "mlfq": "cpu-sched-mlfq/mlfq.py",
           "multi": "cpu-sched-multi/multi.py"}
MS = 1_000_000
TEXTBOOK_MACHINE = "context_switch 0us; step 0ns"


@dataclass
class Reference:
    """What a simulator printed: the workload, the machine, what ran at each tick, and the final numbers."""

    sim: str
    args: list[str]
    machine: str = ""
    runs: list[str] = field(default_factory=list)                   # the `run` lines of the scenario
    programs: list[str] = field(default_factory=list)
    ticks: list[dict[str, str]] = field(default_factory=list)       # per tick: what is observed -> its value
    numbers: dict[str, str] = field(default_factory=dict)           # final statistics, as printed

    def source(self) -> str:
        """The scenario: the simulator's machine, its jobs under the labels the simulator gives them."""
        lines = [*self.programs, f'scenario "{self.sim}.py {" ".join(self.args)}" {{',
                 f"  machine {{ {self.machine}; {TEXTBOOK_MACHINE} }}", *("  " + r for r in self.runs), "}"]
        return "\n".join(lines) + "\n"


def command_of(text: str) -> tuple[str, list[str]]:
    first = text.split("\n", 1)[0]
    m = re.fullmatch(r"\$ \./([a-z-]+)\.py ?(.*)", first)
    assert m, f"a fixture starts with '$ ./SIM.py ARGS', not {first!r}"
    return m.group(1), shlex.split(m.group(2))


def option(args: list[str], flag: str, default: Optional[str] = None) -> Optional[str]:
    """The value given to `flag` (the last one wins, as in optparse)."""
    value = default
    for i, a in enumerate(args[:-1]):
        if a == flag:
            value = args[i + 1]
    return value


def simulate(sim_dir: Path, sim: str, args: list[str]) -> str:
    """Run a simulator here; its output with the fixture's first line."""
    script = sim_dir / SCRIPTS[sim]
    out = subprocess.run([sys.executable, script.name, *args], cwd=script.parent, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    return f"$ ./{sim}.py {shlex.join(args)}\n{out}"


def reference(text: str) -> Reference:
    sim, args = command_of(text)
    return {"process-run": _process_run, "mlfq": _mlfq, "multi": _multi}[sim](Reference(sim, args), text)


# ------------------------------------------------------------------ process-run.py
_STATE = {"READY": "ready", "RUNNING": "running", "BLOCKED": "disk_wait", "DONE": "done"}


def _process_run(ref: Reference, text: str) -> Reference:
    lines = text.split("\n")
    head = next(i for i, s in enumerate(lines) if s.startswith("Time "))
    n = lines[head].count("PID:")
    io_length = int(option(ref.args, "-L", "5"))
    switch = option(ref.args, "-S", "SWITCH_ON_IO")
    immediate = option(ref.args, "-I", "IO_RUN_LATER")
    settings = [s for s, on in (("switch_on_end 1", switch == "SWITCH_ON_END"),
                                ("io_run_immediate 1", immediate == "IO_RUN_IMMEDIATE")) if on]
    ref.machine = "scheduler fifo" + (" { " + "; ".join(settings) + " }" if settings else "")
    code: list[list[str]] = [[] for _ in range(n)]
    for row in lines[head + 1:]:
        if not row.strip():
            break
        cols = row.split()
        tick, states = int(cols[0].rstrip("*")), cols[1:1 + n]
        seen = {}
        for pid, s in enumerate(states):
            if s.startswith("RUN:"):
                code[pid].append(s[4:])
                s = "running"
            seen[f"p{pid}"] = _STATE.get(s, s)
        ref.ticks.append(seen)
        assert tick == len(ref.ticks)
    for pid, instructions in enumerate(code):
        ref.programs.append(f"program prog{pid} {{ {_statements(instructions, io_length)} }}")
        ref.runs.append(f"run prog{pid} as p{pid}")
    for key in ("Total Time", "CPU Busy", "IO Busy"):
        m = re.search(rf"Stats: {key} +(\d+)", text)
        assert m, f"{key} is printed with -c -p"
        ref.numbers[key] = m.group(1)
    return ref


def _statements(instructions: list[str], io_length: int) -> str:
    """cpu and io_done are a tick of CPU; io is a tick of CPU, then the I/O."""
    out, ticks = [], 0
    for ins in instructions:
        ticks += 1
        if ins == "io":
            out += [f"compute {ticks}ms", f"io {io_length}ms"]
            ticks = 0
    if ticks:
        out.append(f"compute {ticks}ms")
    return "; ".join(out)


def observe_process_run(model: Model, ref: Reference) -> tuple[list[dict[str, str]], dict[str, str]]:
    procs = _by_label(model)
    ticks = []
    for t in range(len(ref.ticks)):
        at = t * MS + MS // 2
        ticks.append({label: _state(p, at) for label, p in procs.items()})
    end = max(p.exit_time for p in procs.values())
    numbers = {"Total Time": str(end // MS),
               "CPU Busy": str(sum(model.cpu_time(p, end) for p in procs.values()) // MS),
               "IO Busy": str(model.io_busy(end) // MS)}
    return ticks, numbers


def _state(p, at: int) -> str:
    if p.exit_time is not None and p.exit_time <= at:
        return "done"
    return p.state.at(at)


def _by_label(model: Model) -> dict:
    return {p.label: p for p in model.procs if p.label not in ("init", "")}


# ------------------------------------------------------------------ mlfq.py
def _mlfq(ref: Reference, text: str) -> Reference:
    def opt(pattern: str) -> list[str]:
        return re.findall(r"^OPTIONS " + pattern + "$", text, re.M)

    queues = int(opt(r"queues (\d+)")[0])
    quanta = {int(q): int(v) for q, v in opt(r"quantum length for queue +(\d+) is +(\d+)")}
    allots = {int(q): int(v) for q, v in opt(r"allotments for queue +(\d+) is +(\d+)")}
    io_time = int(opt(r"ioTime (\d+)")[0])
    settings = [f"queues {queues}"]
    for prio in range(queues - 1, -1, -1):        # mlfq.py's highest queue is procdsl's level 0
        level = queues - 1 - prio
        settings.append(f"quantum_{level} {quanta[prio]}ms")
        settings.append(f"allotment_{level} {max(allots[prio], 1) * quanta[prio]}ms")
    boost = int(opt(r"boost (\d+)")[0])
    if boost:
        settings.append(f"boost {boost}ms")
    if opt(r"stayAfterIO (\w+)")[0] == "True":
        settings.append("io_reset 1")
    if opt(r"iobump (\w+)")[0] == "True":
        settings.append("io_bump 1")
    ref.machine = "scheduler mlfq { " + "; ".join(settings) + " }"
    jobs = re.findall(r"^  Job +(\d+): startTime +(\d+) - runTime +(\d+) - ioFreq +(\d+)$", text, re.M)
    for j, start, run, freq in jobs:
        ref.programs.append(f"program job{j} {{ {_mlfq_job(int(run), int(freq), io_time)} }}")
        ref.runs.append(f"run job{j} as j{j}" + (f" at {start}ms" if int(start) else ""))
    for t, what in re.findall(r"^\[ time (\d+) \] (Run JOB \d+ at PRIORITY \d+|IDLE)", text, re.M):
        assert int(t) == len(ref.ticks)
        m = re.fullmatch(r"Run JOB (\d+) at PRIORITY (\d+)", what)
        ref.ticks.append({"runs": f"j{m.group(1)}", "level": str(queues - 1 - int(m.group(2)))} if m
                         else {"runs": "-", "level": "-"})
    for j, response, turnaround in re.findall(r"^  Job +(\d+): startTime +\d+ - response +(\d+) - turnaround +(\d+)$",
                                              text, re.M):
        ref.numbers[f"response j{j}"] = response
        ref.numbers[f"turnaround j{j}"] = turnaround
    assert ref.numbers, "mlfq.py prints its statistics with -c"
    return ref


def _mlfq_job(run: int, freq: int, io_time: int) -> str:
    """An I/O after every ioFreq ticks of CPU, but none once the work is done."""
    if freq <= 0 or freq >= run:
        return f"compute {run}ms"
    full, rest = divmod(run, freq)
    if rest == 0:
        full, rest = full - 1, freq
    body = f"compute {freq}ms; io {io_time}ms"
    return (f"repeat {full} {{ {body} }}; " if full > 1 else body + "; ") + f"compute {rest}ms"


def observe_mlfq(model: Model, ref: Reference) -> tuple[list[dict[str, str]], dict[str, str]]:
    procs = _by_label(model)
    ticks = []
    for t in range(len(ref.ticks)):
        at = t * MS + MS // 2
        running = [(label, p) for label, p in procs.items() if _state(p, at) == "running"]
        if not running:
            ticks.append({"runs": "-", "level": "-"})
            continue
        (label, p), = running
        ticks.append({"runs": label, "level": str(p.level.at(at)) if p.level is not None else "?"})
    numbers = {}
    for label, p in procs.items():
        if p.first_run is not None:
            numbers[f"response {label}"] = str((p.first_run - p.created) // MS)
        if p.exit_time is not None:
            numbers[f"turnaround {label}"] = str((p.exit_time - p.created) // MS)
    return ticks, numbers


# ------------------------------------------------------------------ multi.py
def _multi(ref: Reference, text: str) -> Reference:
    arg = dict(re.findall(r"^ARG (\w+) ?(.*)$", text, re.M))
    cpus, quantum = int(arg["num_cpus"]), int(arg["quantum"])
    machine = [f"cpus {cpus}", f"scheduler rr {{ quantum {quantum}ms }}", f"tick {quantum}ms"]
    if arg["per_cpu_queues"] == "True":
        peek = int(arg["peek_interval"])
        machine += [f"balance steal; peek_interval {peek}ms" if peek else "balance none"]
    elif cpus > 1:
        machine.append("run_queue shared")
    machine += [f"cache_size {arg['cache_size']}", f"cache_warmup {arg['warmup_time']}ms",
                f"warm_rate {option(ref.args, '-r', '2')}", f"seed {arg['seed']}"]
    ref.machine = "; ".join(machine)
    affinity = {}
    for item in filter(None, arg["affinity"].split(",")):
        name, where = item.split(":")
        affinity[name] = ",".join(where.split("."))
    names = []
    for name, run, wset in re.findall(r"^Job name:(\w+) run_time:(\d+) working_set_size:(\d+)$", text, re.M):
        label = name if name.isidentifier() else f"j{name}"
        names.append(label)
        ref.programs.append(f"program prog_{label} {{ compute {run}ms }}")
        on = f" on cpus {affinity[name]}" if name in affinity else ""
        ref.runs.append(f"run prog_{label} as {label} working_set {wset}{on}")
    if arg["trace"] == "True":
        for row in re.findall(r"^ +(\d+) {3}(.*)$", text, re.M):
            cols = re.sub(r"cache\[[^\]]*\]|\[[ \d]*\]", " ", row[1].split("Q0:")[0]).split()
            assert int(row[0]) == len(ref.ticks) and len(cols) == cpus, row
            ref.ticks.append({f"cpu {c}": "-" if n == "-" else (n if n.isidentifier() else f"j{n}")
                              for c, n in enumerate(cols)})
        for row in ref.ticks:                  # the CPU of each job's last tick: where it finished
            for cpu, label in row.items():
                if label != "-":
                    ref.numbers[f"{label} finished on"] = cpu
    m = re.search(r"^Finished time (\d+)$", text, re.M)
    assert m, "multi.py prints its statistics with -c"
    ref.numbers["Finished time"] = m.group(1)
    for c, util, warm in re.findall(r"^  CPU (\d+)  utilization ([\d.]+) \[ warm ([\d.]+) \]$", text, re.M):
        ref.numbers[f"cpu {c} utilization"] = util
        ref.numbers[f"cpu {c} warm"] = warm
    return ref


def observe_multi(model: Model, ref: Reference) -> tuple[list[dict[str, str]], dict[str, str]]:
    procs = _by_label(model)
    cpus = len([k for k in ref.numbers if k.endswith(" utilization")])
    ticks = []
    for t in range(len(ref.ticks)):
        at = t * MS + MS // 2
        row = {f"cpu {c}": "-" for c in range(cpus)}
        for label, p in procs.items():
            for (start, end), cpu in zip(p.runs, p.run_cpus):
                if start <= at < end:
                    row[f"cpu {cpu}"] = label
        ticks.append(row)
    end = max(p.exit_time for p in procs.values())
    numbers = {"Finished time": str(-(-end // MS))}
    numbers.update({f"{label} finished on": f"cpu {p.exit_cpu}" for label, p in procs.items()})
    for c in range(cpus):
        numbers[f"cpu {c} utilization"] = f"{100 * model.utilization(c, end):3.2f}"
        numbers[f"cpu {c} warm"] = f"{100 * model.warm_fraction(c, end):3.2f}"
    return ticks, numbers


OBSERVE = {"process-run": observe_process_run, "mlfq": observe_mlfq, "multi": observe_multi}


def differences(model: Model, ref: Reference, limit: int = 8) -> list[str]:
    """Where procdsl's run differs from the simulator's, first differences first (empty: none)."""
    ticks, numbers = OBSERVE[ref.sim](model, ref)
    out = []
    for t, (want, got) in enumerate(zip(ref.ticks, ticks)):
        for key, value in want.items():
            if got.get(key) != value:
                out.append(f"tick {t}: {key}: the simulator has {value}, procdsl {got.get(key)}")
    for key, value in ref.numbers.items():
        if numbers.get(key) != value:
            out.append(f"{key}: the simulator prints {value}, procdsl gives {numbers.get(key)}")
    return out[:limit]
