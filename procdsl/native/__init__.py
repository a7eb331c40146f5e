"""The differential check: a scenario run on procdsl and, as a C program, on the real Linux kernel; outcomes compared.

`check(job, options)` translates one compiled scenario with procdsl.cgen, builds it with
the host's C compiler, runs it (in a PID namespace of its own where the host allows, with
time, process and output bounds), reads back what it recorded, and compares every outcome
that procdsl fixes for every schedule with what Linux did in every run.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

from procdsl import ir
from procdsl.cgen import Untranslatable, reachable, translate
from procdsl.cgen.types import walk
from procdsl.kernel import run_plan
from procdsl.native import host
from procdsl.native.compare import Outcome, compare, deadline, variant_plans
from procdsl.native.known import known_difference
from procdsl.native.observe import from_records, from_trace
from procdsl.plan import EventPlan

MAX_WALL_SECONDS = 20.0


@dataclass
class Options:
    scale: int = 10                 # every duration runs this many times longer on Linux
    runs: int = 2                   # Linux runs per scenario; an outcome must be the same in each
    namespace: bool = True          # use a PID namespace where the host allows one
    keep: Optional[Path] = None     # keep the C file, the binary and the records here
    cc: Optional[str] = None


@dataclass
class Job:
    """One scenario to check: its plan, its programs, and how to quote its source lines."""

    plan: EventPlan
    programs: dict[str, ir.Program]
    source_line: Callable[[str, int], str]


@dataclass
class Verdict:
    file: str
    title: str
    status: str                     # agree, differ, skipped, error
    outcomes: list[Outcome] = field(default_factory=list)
    note: str = ""
    problem: Optional[Untranslatable] = None
    namespace: bool = False
    scale: int = 0


def _prints_pids(programs: dict[str, ir.Program], names: Sequence[str]) -> bool:
    """Whether a program prints something made of PIDs (its own, its parent's, a child's, a status)."""
    for n in names:
        body = programs[n].body
        pidlike = {"pid", "ppid"} | {s.label for s in walk(body) if isinstance(s, ir.ForkBlock)} | \
            {s.name for s in walk(body) if isinstance(s, ir.SpecialAssign) and s.what == "fork"} | \
            {s.into for s in walk(body) if isinstance(s, ir.Wait) and s.into}
        for s in walk(body):
            if isinstance(s, (ir.Print, ir.Write)) and _names(s.value) & pidlike:
                return True
    return False


def _names(e) -> set[str]:
    found = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, ir.Name):
            found.add(x.id)
        elif isinstance(x, ir.Node):
            stack.extend(v for v in x.__dict__.values() if isinstance(v, ir.Node))
            for v in x.__dict__.values():
                if isinstance(v, tuple):
                    stack.extend(i for i in v if isinstance(i, ir.Node))
    return found


class CpuPool:
    """The host's CPUs, lent to one run at a time, so that two runs never share a CPU."""

    def __init__(self, cpus: Sequence[int]) -> None:
        self.free = list(cpus)
        self.total = len(self.free)
        self.cond = threading.Condition()

    def take(self, n: int) -> list[int]:
        n = max(1, min(n, self.total))
        with self.cond:
            while len(self.free) < n:
                self.cond.wait()
            got, self.free = self.free[:n], self.free[n:]
            return got

    def give(self, cpus: list[int]) -> None:
        with self.cond:
            self.free = sorted(self.free + cpus)
            self.cond.notify_all()


def host_cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]


def check(job: Job, options: Options, pool: Optional[CpuPool] = None) -> Verdict:
    plan = job.plan
    verdict = Verdict(plan.file, plan.title, "skipped")
    pool = pool or CpuPool(host_cpus())
    runs = []
    for name, variant in variant_plans(plan, pool.total):
        trace = run_plan(variant, None)
        if trace.end_reason in ("fault", "error") or trace.end_reason.startswith("limit"):
            verdict.note = f"procdsl's run ends at a {trace.end_reason} ({name}): nothing to compare"
            return verdict
        runs.append((name, from_trace(trace), trace.end_time))
    limit = deadline([t for _, _, t in runs])
    # a long scenario is slowed down less, so that every run stays within the bound
    scale = min(options.scale, int(MAX_WALL_SECONDS * 1e9 // max(limit, 1)))
    if scale < 1:
        verdict.note = f"it runs {limit / 1e9:.1f} s of simulated time: over the {MAX_WALL_SECONDS:.0f} s bound"
        return verdict
    verdict.scale = scale
    try:
        source = translate(plan, job.programs, job.source_line)
    except Untranslatable as problem:
        verdict.status, verdict.problem = "error", problem
        verdict.note = f"no faithful C translation: {problem.message}"
        return verdict
    cc = options.cc or host.compiler()
    if cc is None:
        verdict.status, verdict.note = "error", "no C compiler (cc, gcc or clang) on this host"
        return verdict
    refusal = host.namespace_refusal() if options.namespace else "not asked for"
    if refusal is not None and plan.init is not None:
        verdict.note = f"`init {plan.init}` needs PID 1, which only a PID namespace gives ({refusal})"
        return verdict
    with tempfile.TemporaryDirectory(prefix="procdsl-linux-") as tmp:
        slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{Path(plan.file).stem}-{plan.title}")[:80]
        workdir = options.keep / slug if options.keep else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            binary = host.build(source, workdir, cc)
            cpus = pool.take(plan.machine.cpus)
            try:
                files = [host.run(binary, workdir, scale=scale, deadline_ns=limit, cpus=cpus,
                                  namespace=refusal is None, boost=refusal is None, tag=f".{i}")
                         for i in range(options.runs)]
            finally:
                pool.give(cpus)
        except host.HostError as err:
            verdict.status, verdict.note = "error", str(err)
            return verdict
    verdict.namespace = all(f.namespace for f in files)
    linux = [from_records(f.records, f.terminal) for f in files]
    if not verdict.namespace:
        verdict.note = f"no PID namespace ({refusal or 'unshare refused'}): PIDs are not compared"
    troubles = [n for obs in linux for n in obs.notes if not n.startswith("note")]
    if troubles:
        verdict.status, verdict.note = "error", "the C program stopped: " + "; ".join(troubles[:3])
        return verdict
    names = reachable(plan, job.programs)
    verdict.outcomes = compare([(n, obs) for n, obs, _ in runs], linux, namespace=verdict.namespace,
                               with_init=plan.init is not None, pid_output=_prints_pids(job.programs, names),
                               known=lambda key, ours, theirs: known_difference(plan, job.programs, key, ours, theirs))
    differ = any(o.status == "differ" for o in verdict.outcomes)
    verdict.status = "differ" if differ else "agree"
    return verdict


def check_all(jobs: Sequence[Job], options: Options, workers: int = 0) -> list[Verdict]:
    """Every job, as many at once as the host has CPUs to give them, in the order given."""
    pool = CpuPool(host_cpus())
    workers = workers or pool.total + 1          # one more, to compile while the others run
    with ThreadPoolExecutor(max_workers=workers) as ex:
        return list(ex.map(lambda j: check(j, options, pool), jobs))


__all__ = ["CpuPool", "Job", "Options", "Verdict", "check", "check_all"]
