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
from procdsl.check.checker import check, unparse_assertion
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
    # the scenario's own expectations: (where, its text, the schedules under which it fails)
    expectations: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)


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


@dataclass
class _Built:
    """A scenario ready to run on Linux: procdsl's runs, and the binary with its bounds."""

    job: Job
    verdict: Verdict
    procdsl: list = field(default_factory=list)
    limit: int = 0
    binary: Optional[Path] = None
    workdir: Optional[Path] = None
    refusal: Optional[str] = None


def _build(job: Job, options: Options, ncpus: int, scratch: Path) -> _Built:
    """procdsl's side under every schedule, then the C program, compiled: everything but the runs."""
    plan = job.plan
    built = _Built(job, Verdict(plan.file, plan.title, "skipped"))
    verdict = built.verdict
    failing: list[tuple[str, list[bool]]] = []
    for name, variant in variant_plans(plan, ncpus):
        trace = run_plan(variant, None)
        if trace.end_reason in ("fault", "error") or trace.end_reason.startswith("limit"):
            verdict.note = f"procdsl's run ends at a {trace.end_reason} ({name}): nothing to compare"
            return built
        obs = from_trace(trace)
        if len(obs.output) > host.OUTPUT_BYTES:
            verdict.note = f"it writes more than {host.OUTPUT_BYTES} bytes to the terminal ({name})"
            return built
        built.procdsl.append((name, obs, trace.end_time))
        failing.append((name, [e.passed for e in check(variant, trace).expectations]))
    verdict.expectations = [
        (f"{e.span.file}:{e.span.line}", unparse_assertion(e.assertion),
         tuple(name for name, passed in failing if not passed[i]))
        for i, e in enumerate(plan.expectations)]
    built.limit = deadline([t for _, _, t in built.procdsl])
    # a long scenario is slowed down less, so that every run stays within the bound
    verdict.scale = min(options.scale, int(MAX_WALL_SECONDS * 1e9 // max(built.limit, 1)))
    if verdict.scale < 1:
        verdict.note = f"it runs {built.limit / 1e9:.1f} s of simulated time: over the {MAX_WALL_SECONDS:.0f} s bound"
        return built
    built.refusal = host.namespace_refusal() if options.namespace else "not asked for"
    if built.refusal is not None and plan.init is not None:
        verdict.note = f"`init {plan.init}` needs PID 1, which only a PID namespace gives ({built.refusal})"
        return built
    uids = sorted({s.uid for s in plan.starts if s.uid})
    if uids and os.geteuid() != 0:
        verdict.note = f"it runs processes as uid {', '.join(map(str, uids))}, which needs root"
        return built
    try:
        source = translate(plan, job.programs, job.source_line)
    except Untranslatable as problem:
        verdict.status, verdict.problem = "error", problem
        verdict.note = f"no faithful C translation: {problem.message}"
        return built
    cc = options.cc or host.compiler()
    if cc is None:
        verdict.status, verdict.note = "error", "no C compiler (cc, gcc or clang) on this host"
        return built
    slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{Path(plan.file).stem}-{plan.title}")[:80]
    built.workdir = (options.keep or scratch) / slug
    built.workdir.mkdir(parents=True, exist_ok=True)
    try:
        built.binary = host.build(source, built.workdir, cc)
    except host.HostError as err:
        verdict.status, verdict.note = "error", str(err)
    return built


def _run(built: _Built, options: Options, pool: CpuPool) -> Verdict:
    """The runs on Linux, on CPUs of their own, and the comparison."""
    verdict, plan = built.verdict, built.job.plan
    if built.binary is None or built.workdir is None:
        return verdict
    cpus = pool.take(plan.machine.cpus)
    try:
        files = [host.run(built.binary, built.workdir, scale=verdict.scale, deadline_ns=built.limit, cpus=cpus,
                          namespace=built.refusal is None, boost=built.refusal is None, tag=f".{i}")
                 for i in range(options.runs)]
    except host.HostError as err:
        verdict.status, verdict.note = "error", str(err)
        return verdict
    finally:
        pool.give(cpus)
    verdict.namespace = all(f.namespace for f in files)
    linux = [from_records(f.records, f.terminal) for f in files]
    if not verdict.namespace:
        verdict.note = f"no PID namespace ({built.refusal or 'unshare refused'}): PIDs are not compared"
        if plan.init is not None:
            verdict.note = f"`init {plan.init}` needs PID 1, which only a PID namespace gives (unshare refused)"
            return verdict
    if any(n.startswith("refused") for obs in linux for n in obs.notes):
        verdict.note = ("it signals a PID by number, a group or -1: outside a PID namespace those are the host's, "
                        "so the C program did not send them")
        return verdict
    troubles = list(dict.fromkeys(_trouble(n) for obs in linux for n in obs.notes if not n.startswith("note")))
    if troubles:
        verdict.status, verdict.note = "error", "the C program could not follow procdsl: " + "; ".join(troubles[:3])
        return verdict
    job = built.job
    verdict.outcomes = compare([(n, obs) for n, obs, _ in built.procdsl], linux, namespace=verdict.namespace,
                               with_init=plan.init is not None,
                               pid_output=_prints_pids(job.programs, reachable(plan, job.programs)),
                               known=lambda key, ours, theirs: known_difference(plan, job.programs, key, ours, theirs))
    verdict.status = "differ" if any(o.status == "differ" for o in verdict.outcomes) else "agree"
    return verdict


def _trouble(note: str) -> str:
    """A record of the C program's own trouble, in words."""
    kind, _, rest = note.partition(" ")
    if kind == "limit":
        return f"it made more than {rest.split()[-1]} processes, the bound of a real run"
    if kind == "fault":
        where, _, text = rest.partition(" ")
        try:
            text = bytes.fromhex(text).decode("utf-8", "replace")
        except ValueError:
            pass
        return f"{where}: {text}"
    return note


def check_one(job: Job, options: Options) -> Verdict:
    return check_all([job], options)[0]


def check_all(jobs: Sequence[Job], options: Options, workers: int = 0) -> list[Verdict]:
    """Every job, in the order given: all built first, then all run, as many at once as there are CPUs.

    Building and running never overlap, so that no compiler competes with a run for a CPU."""
    pool = CpuPool(host_cpus())
    with tempfile.TemporaryDirectory(prefix="procdsl-linux-") as tmp:
        os.chmod(tmp, 0o755)                   # a `run ... uid N` process reads and writes in it
        with ThreadPoolExecutor(max_workers=workers or pool.total) as ex:
            built = list(ex.map(lambda j: _build(j, options, pool.total, Path(tmp)), jobs))
        with ThreadPoolExecutor(max_workers=pool.total) as ex:
            return list(ex.map(lambda b: _run(b, options, pool), built))


__all__ = ["CpuPool", "Job", "Options", "Verdict", "check_all", "check_one"]
