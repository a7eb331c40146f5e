"""Which outcomes a scenario fixes, and whether Linux agrees with procdsl on each of them.

An outcome counts as fixed by the scenario only when procdsl gives the same value under
every schedule it is run with here (other CPU counts, policies, quanta and system-call
costs) and Linux gives one value in every run; the others are listed as skipped, with
the values that differ. PIDs are compared only inside a PID namespace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from procdsl import ir
from procdsl.native.observe import UNSEEN, RunObs
from procdsl.plan import EventPlan, MachineConfig, SchedulerConfig

# The schedules procdsl runs a scenario under to find what does not depend on one.
VARIANTS: tuple[tuple[str, Callable[[MachineConfig], MachineConfig]], ...] = (
    ("as written", lambda m: m),
    ("one more CPU", lambda m: m.model_copy(update={"cpus": m.cpus + 1})),
    ("eevdf", lambda m: m.model_copy(update={"scheduler": SchedulerConfig(name="eevdf")})),
    ("rr with a 1 ms quantum", lambda m: m.model_copy(update={"scheduler": SchedulerConfig(
        name="rr", settings={"quantum": 1_000_000})})),
    ("costly system calls", lambda m: m.model_copy(update={"fork": 50_000, "exec": 200_000, "syscall": 1_000,
                                                           "context_switch": 10_000})),
    # random picks among the ready tasks: which of two tasks ready at once runs first is
    # the scheduler's choice, and Linux's need not be any of procdsl's policies'
    *((f"lottery, seed {seed}", lambda m, seed=seed: m.model_copy(update={"seed": seed, "scheduler": SchedulerConfig(
        name="lottery", settings={"quantum": 1_000_000})})) for seed in (1, 2, 3)),
)


@dataclass(frozen=True)
class Outcome:
    what: str           # "how worker[1] ended"
    status: str         # agree, differ, skipped, known
    procdsl: str = ""
    linux: str = ""
    reason: str = ""


def values(obs: RunObs, pids: bool, with_init: bool) -> dict[tuple[str, str], str]:
    """Every outcome of one run, keyed by (kind, process path)."""
    out = {("processes", ""): ", ".join(sorted(obs.procs)), ("output", ""): obs.output}
    for path, p in obs.procs.items():
        if path == "init" and not with_init:
            continue
        out[("end", path)] = p.end
        out[("reaper", path)] = p.reaper or "(not reaped)"
        out[("cmd", path)] = p.cmd
        # which handlers ran, how often: the order of nested ones is the output's to show
        out[("handlers", path)] = " ".join(sorted(p.handlers)) or "(none)"
        out[("fails", path)] = ", ".join(p.fails) or "(none)"
        out[("output", path)] = p.output
        if pids:
            out[("pid", path)] = str(p.pid)
    return out


WHAT = {"processes": "the processes created", "output": "the output of {name}", "end": "how {name} ended",
        "reaper": "who reaped {name}", "cmd": "the program {name} ran last", "handlers": "the handlers {name} ran",
        "fails": "the calls that failed in {name}", "pid": "the PID of {name}"}


def describe(key: tuple[str, str], names: dict[str, str]) -> str:
    kind, path = key
    if kind == "output" and not path:
        return "the terminal's output"
    return WHAT[kind].format(name=names.get(path, path) + (f" ({path})" if path else ""))


def show_value(text: str, quoted: bool = False) -> str:
    text = text.replace("\\", "\\\\").replace("\n", "\\n")
    text = text if len(text) <= 160 else text[:157] + "..."
    return f'"{text}"' if quoted else text


def compare(variants: list[tuple[str, RunObs]], linux: list[RunObs], *, namespace: bool, with_init: bool,
            pid_output: bool, known: Callable[[tuple[str, str], str, str], Optional[str]]) -> list[Outcome]:
    """Each outcome's verdict: agree or differ where both sides fix it, skipped (with why) elsewhere."""
    sides = [values(obs, namespace, with_init) for _, obs in variants]
    reals = [values(obs, namespace, with_init) for obs in linux]
    names = {path: p.label for path, p in variants[0][1].procs.items()}
    out = []
    for key, value in sides[0].items():
        what = describe(key, names)
        quoted = key[0] == "output"

        def shown(text: str, quoted: bool = quoted) -> str:
            return show_value(text, quoted)
        theirs = {name: v.get(key, "(never created)") for (name, _), v in zip(variants, sides)}
        if len(set(theirs.values())) > 1:
            alts = "; ".join(f"{name}: {shown(v)}" for name, v in theirs.items())
            out.append(Outcome(what, "skipped", shown(value), reason=f"depends on the schedule ({alts})"))
            continue
        if key[0] == "output" and not namespace and pid_output:
            out.append(Outcome(what, "skipped", shown(value), reason="it prints PIDs, which are the host's "
                                                                     "without a PID namespace"))
            continue
        real = [v.get(key, "(never created)") for v in reals]
        if UNSEEN in real:
            out.append(Outcome(what, "skipped", shown(value), reason="the C program cannot see it: no wait "
                                                                     "returned it (the kernel reaped it itself)"))
            continue
        if len(set(real)) > 1:
            out.append(Outcome(what, "skipped", shown(value), shown(real[0]),
                               reason="it varies between runs on Linux: " + " / ".join(shown(r) for r in real)))
            continue
        if real[0] == value:
            out.append(Outcome(what, "agree", shown(value), shown(real[0])))
            continue
        name = known(key, value, real[0])
        out.append(Outcome(what, "known" if name else "differ", shown(value), shown(real[0]), reason=name or ""))
    for key in reals[0]:
        if key not in sides[0] and all(key in v for v in reals):
            out.append(Outcome(describe(key, names), "differ", "(never created)", show_value(reals[0][key])))
    return out


def deadline(plans_end: list[int]) -> int:
    """How long the real run may take, in scenario time: procdsl's longest end and a margin."""
    end = max(plans_end)
    return end + max(20_000_000, end // 4)


# A real CPU does not compute at the rate of the wall clock: other work on the host and
# caches slow a process down, frequency boosts speed it up. What changes when every
# `compute` takes this much longer or shorter depends on that race, not on the scenario.
COMPUTE_RATES = ((23, 20), (17, 20))


def variant_plans(plan: EventPlan, host_cpus: int) -> list[tuple[str, EventPlan]]:
    """The scenario under each schedule of VARIANTS, with computes 15% slower and faster, and on
    as many CPUs as the host has if it has fewer."""
    variants = list(VARIANTS)
    if plan.machine.cpus > host_cpus:
        variants.append((f"the host's {host_cpus} CPU(s)", lambda m: m.model_copy(update={"cpus": host_cpus})))
    out = [(name, plan.model_copy(update={"machine": change(plan.machine)})) for name, change in variants]
    for num, den in COMPUTE_RATES:
        out.append((f"computes {abs(num - den) * 100 // den}% {'slower' if num > den else 'faster'}",
                    _compute_rate(plan, num / den)))
    return out


def _compute_rate(plan: EventPlan, factor: float) -> EventPlan:
    def scaled(op):
        if op.op != "compute" or op.expr is None:
            return op
        rate = ir.Lit(span=op.span, type="float", value=factor)
        return op.model_copy(update={"expr": ir.Binary(span=op.span, op="*", left=op.expr, right=rate)})
    programs = {name: code.model_copy(update={"ops": tuple(scaled(op) for op in code.ops)})
                for name, code in plan.programs.items()}
    return plan.model_copy(update={"programs": programs})
