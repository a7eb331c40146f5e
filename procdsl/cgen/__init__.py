"""A scenario as one C program: its programs as functions that make the real system calls, and a machine around them.

`translate(plan, programs, source_line)` gives the text of a self-contained C file (the
runtime in runtime.c, calls.c and values.c, the scenario's programs, its runs and signals as tables, the machine
in machine.c), or raises Untranslatable for each statement with no faithful C equivalent.
"""

from __future__ import annotations

from importlib import resources
from typing import Callable, Optional

from procdsl import ir
from procdsl.cgen.exprs import ARG_CODE, c_string
from procdsl.cgen.stmts import ProgramWriter, declarations
from procdsl.cgen.types import Scope, Untranslatable, constant, infer, type_of, walk
from procdsl.plan import EventPlan

MAX_C_BYTES = 4 << 20
MAX_STAGES = 8
DEFAULTS = {"pid_max": 32768}


def _resource(name: str) -> str:
    return resources.files("procdsl.cgen").joinpath(name).read_text(encoding="utf-8")


def reachable(plan: EventPlan, programs: dict[str, ir.Program]) -> list[str]:
    """The programs a run can reach: those it starts and, transitively, those they exec."""
    todo = [p for s in plan.starts for p in s.programs] + ([plan.init] if plan.init else [])
    seen: list[str] = []
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.append(name)
        todo += [s.program for s in walk(programs[name].body) if isinstance(s, ir.Exec)]
    return seen


def _run_arg(e: ir.Expr) -> tuple[str, str]:
    """A `run` argument: its type and its encoded text."""
    if isinstance(e, ir.Lit) and e.type in ("int", "str", "duration"):
        t = {"int": "int", "str": "str", "duration": "dur"}[e.type]
        return t, f"{ARG_CODE[t]}:{e.value}"
    c = constant(e.id) if isinstance(e, ir.Name) else None
    if c is None:
        raise Untranslatable(e.span, "a `run` argument that is not a literal or a signal name")
    return c[0], f"{ARG_CODE[c[0]]}:{c[1]}"


def _scopes(plan: EventPlan, programs: dict[str, ir.Program], names: list[str]) -> dict[str, Scope]:
    """Each program's types; what `exec` passes depends on its caller's, so go round until steady."""
    runs: dict[str, list[tuple[str, ...]]] = {n: [] for n in names}
    for start in plan.starts:
        for i, prog in enumerate(start.programs):
            args = start.args[i] if i < len(start.args) else ()
            runs[prog].append(tuple(_run_arg(a)[0] for a in args))
    if plan.init:
        runs[plan.init].append(())
    sites = runs
    for _ in range(len(names) + 2):
        scopes = {n: infer(programs[n], sites[n] or None) for n in names}
        found = {n: list(runs[n]) for n in names}
        for n in names:
            for s in walk(programs[n].body):
                if isinstance(s, ir.Exec):
                    found[s.program].append(tuple(type_of(a, scopes[n]) for a in s.args))
        if found == sites:
            break
        sites = found
    return scopes


def _check_scenario(plan: EventPlan) -> None:
    if plan.files:
        raise Untranslatable(plan.span, "the scenario declares files: the C program would make them in the host's "
                                        "file system", "check file scenarios with `procdsl check`")
    m = plan.machine
    if m.pid_max != DEFAULTS["pid_max"]:
        raise Untranslatable(plan.span, f"the scenario sets pid_max {m.pid_max}",
                             "Linux's pid_max is the host's, not a program's: leave pid_max out")
    for start in plan.starts:
        if start.rt is not None:
            raise Untranslatable(start.span, f"`rt {start.rt[0]} {start.rt[1]}`: a real-time busy loop on the host "
                                             f"would starve the machine it runs on")
        if len(start.programs) > MAX_STAGES:
            raise Untranslatable(start.span, f"a pipeline of more than {MAX_STAGES} stages")
        if start.cpus and max(start.cpus) >= 64:
            raise Untranslatable(start.span, "CPU numbers above 63")
        if plan.init and start.time > 0:
            raise Untranslatable(start.span, "a `run ... at` a later time with `init PROG`: PID 1 would have to "
                                             "fork it while running its own program")


def _tables(plan: EventPlan, names: list[str]) -> list[str]:
    out: list[str] = []
    runs = []
    for r, start in enumerate(plan.starts):
        arrays = []
        for i, _ in enumerate(start.programs):
            args = start.args[i] if i < len(start.args) else ()
            name = f"pd_args_{r}_{i}"
            if args:
                out.append(f"static const char *const {name}[] = {{{', '.join(c_string(_run_arg(a)[1]) for a in args)}}};")
                arrays.append((name, len(args)))
            else:
                arrays.append(("NULL", 0))
        mask = sum(1 << c for c in start.cpus or ())
        runs.append("    {" + ", ".join([
            f"{start.time}L", str(len(start.programs)),
            "{" + ", ".join(c_string(p) for p in start.programs) + "}",
            "{" + ", ".join(c_string(lb) for lb in start.labels) + "}",
            "{" + ", ".join(str(n) for _, n in arrays) + "}",
            "{" + ", ".join(a for a, _ in arrays) + "}",
            f"{start.nice}L", f"{start.uid}L", f"{mask}L"]) + "},")
    out.append("/* each `run`, in order: time (ns), stages, programs, labels, arguments, nice, uid, CPUs */")
    out += ["static const pd_run pd_runs[] = {", *runs, "};"]
    sends = [f"    {{{s.time}L, {s.signal}, {c_string(s.label)}, {s.index or 0}}},"
             for s in sorted(plan.signals, key=lambda s: s.time)]
    out.append("/* each `at TIME send SIGNAL to LABEL[INDEX]`: time (ns), signal, label, index */")
    out += ["static const pd_send pd_sends[] = {", *sends, "};"]
    out.append(f"static const long pd_until = {plan.until if plan.until is not None else -1}L;    /* `until`, or -1 */")
    core = plan.machine.core_limit
    out.append(f"static const long pd_core_limit = {core}L;    /* `core_limit` (RLIMIT_CORE), -1 unlimited */")
    out.append(f"static const char *pd_init_program = {c_string(plan.init) if plan.init else 'NULL'};    /* `init PROG` */")
    out.append("static const struct { const char *name; void (*main)(void); } pd_programs[] = {")
    out += [f"    {{{c_string(n)}, prog_{n}}}," for n in names]
    out.append("};")
    return out


def translate(plan: EventPlan, programs: dict[str, ir.Program], source_line: Callable[[str, int], str],
              source_name: Optional[str] = None) -> str:
    _check_scenario(plan)
    names = reachable(plan, programs)
    scopes = _scopes(plan, programs, names)
    parts: list[str] = []
    for n in names:
        w = ProgramWriter(programs[n], scopes[n], source_line)
        function = w.function()
        parts += ["", f"/* ================================================= program {n} */", *declarations(scopes[n])]
        for h in w.handlers:
            parts += h
        parts += function
    title = plan.title.replace("*/", "* /")
    head = [f"/* {source_name or plan.file}: \"{title}\", translated by `procdsl c`.",
            f" * The scenario has {plan.machine.cpus} CPU(s); Linux schedules it with its own policy, not procdsl's "
            f"{plan.machine.scheduler.name}.",
            " * Build and run: cc -std=gnu11 -O0 -pthread FILE.c -o scenario -lm && ./scenario",
            " * (as root it runs in a PID namespace of its own; `procdsl linux` does all of this for you) */"]
    prototypes = [f"static void prog_{n}(void);" for n in names]
    text = "\n".join([*head, _resource("runtime.c"), _resource("calls.c"), _resource("values.c"), *prototypes, *parts, "", *_tables(plan, names), "",
                      _resource("machine.c")])
    if len(text) > MAX_C_BYTES:
        raise Untranslatable(plan.span, f"the C program would be {len(text)} bytes, over the {MAX_C_BYTES} limit")
    return text


__all__ = ["Untranslatable", "reachable", "translate"]
