"""Semantic checks on the IR: every name resolves, units are present, signals can be caught.

`Validator` checks a program (its statements, validate_stmts.py; their expressions, validate_exprs.py)
and a scenario (its machine block, validate_machine.py; its runs, timed inputs and expectations, here)."""

from __future__ import annotations

from typing import Iterable

from procdsl import ir
from procdsl.core.linux import SIGNALS, UNCATCHABLE
from procdsl.ir.span import Span
from procdsl.ir.walk import exec_targets, static_burst
from procdsl.lang.diagnostics import Diagnostic, did_you_mean
from procdsl.lang.hints import unknown_name
from procdsl.lang.validate_exprs import EVENTS, ExprChecks, signal_names
from procdsl.lang.validate_files import files_block
from procdsl.lang.validate_jobs import tty_lines
from procdsl.lang.validate_machine import MachineChecks
from procdsl.lang.validate_stmts import BUILTINS, StmtChecks


class Validator(StmtChecks, ExprChecks, MachineChecks):
    def __init__(self, programs: dict[str, ir.Program], open_labels: bool = False) -> None:
        self.programs = programs
        self.diagnostics: list[Diagnostic] = []
        # With a student's submission bound, which labels exist depends on the submission:
        # an expectation about a label nobody creates then fails when checked, and says so.
        self.open_labels = open_labels
        # Every function the scenario's expectations call, gathered on the walk the checks make
        # anyway: the compiler asks it whether a memory query is among them (plan/memory.py).
        self.expect_calls: set[str] = set()

    def error(self, message: str, span: Span, hint: str | None = None) -> None:
        diag = Diagnostic(message, span, hint=hint)
        if diag not in self.diagnostics:
            self.diagnostics.append(diag)

    def unknown(self, name: str, what: str, span: Span, known: Iterable[str], hint: str | None) -> None:
        """An unknown statement or function: a newcomer's habit or a feature not modelled yet
        gets its own help (lang/hints.py), anything else the nearest known name."""
        message, hint = unknown_name(name, what) or (f"unknown {what} '{name}'{did_you_mean(name, known)}", hint)
        self.error(message, span, hint)

    def duration(self, e: ir.Expr, what: str) -> None:
        if isinstance(e, ir.Lit) and e.type in ("int", "float"):
            self.error("a duration needs a unit", e.span, f"write {e.value}ms, {e.value}us or {e.value}s")
        elif isinstance(e, ir.Lit) and e.type not in ("duration",):
            self.error(f"{what} takes a duration, not a {e.type}", e.span)

    def program_ref(self, name: str, span: Span) -> None:
        if name not in self.programs:
            self.error(f"unknown program '{name}'{did_you_mean(name, self.programs)}", span,
                       "define it with `program NAME { ... }` in this file, its scenario, or a `use`d file")

    def signal(self, ref: ir.SigRef, catch: bool, verb: str = "caught or ignored") -> int | None:
        if ref.name not in SIGNALS:
            self.error(f"unknown signal '{ref.name}'{did_you_mean(ref.name, signal_names())}", ref.span)
            return None
        num = SIGNALS[ref.name][0]
        if catch and num in UNCATCHABLE:
            self.error(f"{ref.name} cannot be {verb}", ref.span,
                       "SIGKILL and SIGSTOP always take their default action; handle SIGTERM for a graceful exit")
        return num

    # ------------------------------------------------------------ scenarios
    def scenario(self, sc: ir.Scenario, labels: set[str]) -> None:
        if sc.machine:
            for st in sc.machine.settings:
                self.setting(st)
            self.machine_combination(sc.machine)
        if sc.init:
            self.program_ref(sc.init.program, sc.init.span)
        policy, ncpus = "cfs", 1
        for st in sc.machine.settings if sc.machine else ():
            if st.name == "scheduler":
                policy = str(st.value)
            elif st.name == "cpus" and st.value_type == "int":
                ncpus = int(st.value)
        for run in sc.runs:
            for stage in run.stages:
                self.program_ref(stage.program, stage.span)
            if len(run.stages) > 1:
                for opt in run.options:
                    if opt.name == "login":
                        self.error("`login` starts one process as a session leader, not a pipeline", opt.span,
                                   "run the login process alone: `run shell login`")
                    if opt.name == "as":
                        self.error("`as` names one process; a pipeline's processes are labelled by their programs",
                                   opt.span, "drop `as`, or run the stages separately")
            options = {opt.name: opt for opt in run.options}
            for opt in run.options:
                if opt.name in ("at", "burst"):
                    self.duration(opt.value, f"`{opt.name}`")
                elif opt.name == "tickets" and int(opt.value) < 1:
                    self.error("a process needs at least 1 ticket", opt.span)
                elif opt.name == "rt" and (opt.value[0] not in ("fifo", "rr") or not 1 <= opt.value[1] <= 99):
                    self.error("`rt` takes fifo or rr and a priority from 1 to 99", opt.span,
                               "write `rt fifo 50` or `rt rr 10`")
                elif opt.name == "cpus" and any(not 0 <= c < ncpus for c in opt.value):
                    self.error(f"this machine has cpus 0 to {ncpus - 1}", opt.span)
                elif opt.name in ("uid", "gid", "groups"):
                    run_ids(self, opt)
                elif opt.name == "env":
                    for var in opt.value:
                        self.expr(var.value, set(BUILTINS))
            if policy in ("sjf", "stcf") and "burst" not in options:
                for stage in run.stages:
                    prog = self.programs.get(stage.program)
                    if prog is not None and static_burst(prog.body) is None:
                        self.error(f"{policy} needs each job's length, and the length of '{stage.program}' "
                                   f"is not known before it runs", stage.span,
                                   f"give it: `run {stage.program} burst 20ms`, or make the program a straight "
                                   f"list of fixed `compute` statements")
        for send in sc.sends:
            self.duration(send.time, "`at`")
            self.signal(send.signal, catch=False)
            self.label(send.target.label, send.target.span, labels)
        tty_lines(self, sc)
        if sc.until:
            self.duration(sc.until.time, "`until`")
        if sc.files:
            files_block(self, sc.files)
        for exp in sc.expects:
            self.assertion(exp.assertion, labels, bound=set())
        if not sc.runs and not sc.init:
            self.error("this scenario runs nothing", sc.span, "add `run PROGRAM` (or `init PROGRAM`)")

    def label(self, label: str, span: Span, labels: set[str]) -> None:
        if label not in labels and not self.open_labels:
            self.error(f"no process is labelled '{label}'{did_you_mean(label, labels)}", span,
                       "labels come from `run PROG [as LABEL]`, `fork LABEL { }` and init")

    def assertion(self, a: ir.Assertion, labels: set[str], bound: set[str]) -> None:
        k = a.kind
        if k == "expr_assert":
            self.expect_expr(a.expr, labels, bound)
            if a.at is not None:
                self.duration(a.at, "`at`")
        elif k == "order":
            for side in (a.first, a.second):
                if not (isinstance(side, ir.Call) and side.func in EVENTS):
                    self.error("`before` and `after` compare two events", side.span,
                               "write an event: start(p), run(p), exec(p), exit(p) or reap(p)")
                self.expect_expr(side, labels, bound)
        elif k in ("always", "never"):
            self.expect_expr(a.expr, labels, bound)
        elif k == "forall":
            self.label(a.label.label, a.label.span, labels)
            self.assertion(a.body, labels, bound | {a.var})
        elif k == "all_of":
            for item in a.items:
                self.assertion(item, labels, bound)
        elif k == "schedules":
            if a.body.kind in ir.OVER_SCHEDULES:
                self.error("`in every schedule` and `in some schedule` hold an expectation about one run",
                           a.body.span, "write the inner expectation on its own: it is already over every schedule")
            self.assertion(a.body, labels, bound)
        elif k == "ps":
            known = ("PID", "PPID", "PGID", "SID", "TTY", "STAT", "LABEL", "CMD", "NI", "UID", "VSZ", "RSS", "TIME")
            for cell in a.header:
                if cell.text not in known:
                    self.error(f"unknown ps column '{cell.text}'{did_you_mean(cell.text, known)}", cell.span,
                               "columns: " + " ".join(known))
            for row in a.rows:
                if len(row) != len(a.header):
                    self.error(f"this row has {len(row)} cells but the header has {len(a.header)}", row[0].span)
        elif k == "trace":
            for line in a.lines:
                self.trace_line(line, labels)

    def trace_line(self, line: ir.TraceLine, labels: set[str]) -> None:
        shapes = {"fork": 4, "exec": 3, "exit": (2, 3), "killed": 3, "reparent": 4, "reap": 3}
        words = [w.text for w in line.words]
        verb = words[0]
        if verb not in shapes:
            self.error(f"unknown trace event '{verb}'{did_you_mean(verb, shapes)}", line.words[0].span,
                       "trace lines: fork P -> C, exec P PROG, exit P [CODE], killed P SIG, reparent P -> Q, reap P C")
            return
        want = shapes[verb]
        if (isinstance(want, int) and len(words) != want) or (isinstance(want, tuple) and len(words) not in want):
            self.error(f"a '{verb}' trace line has the wrong number of words", line.words[0].span,
                       "trace lines: fork P -> C, exec P PROG, exit P [CODE], killed P SIG, reparent P -> Q, reap P C")
            return
        procs = {"fork": (1, 3), "exec": (1,), "exit": (1,), "killed": (1,), "reparent": (1, 3), "reap": (1, 2)}[verb]
        for i in procs:
            base = words[i].split("[")[0]
            self.label(base, line.words[i].span, labels)
        if verb == "exec":
            self.program_ref(words[2], line.words[2].span)
        if verb == "killed" and words[2] not in SIGNALS:
            self.error(f"unknown signal '{words[2]}'{did_you_mean(words[2], signal_names())}", line.words[2].span)


def run_ids(v: Validator, opt: ir.RunOption) -> None:
    """`run ... uid N gid N groups A, B`: ids a uid_t or gid_t can hold, at most NGROUPS_MAX groups."""
    values = opt.value if isinstance(opt.value, tuple) else (opt.value,)
    if any(x > 0xFFFFFFFE for x in values):
        v.error(f"`{opt.name}` takes ids from 0 to 4294967294", opt.span)
    if len(values) > 65536:
        v.error("a process has at most 65536 supplementary groups", opt.span)


class ProgramChecks:
    """A program's problems depend on the program alone unless it execs a name that does not
    resolve (the hint then depends on every name), so a file's scenarios share one check of it."""

    def __init__(self) -> None:
        self.done: dict[tuple, tuple[ir.Program, tuple[Diagnostic, ...]]] = {}
        self.targets: dict[int, tuple[ir.Program, frozenset[str]]] = {}

    def exec_targets(self, prog: ir.Program) -> frozenset[str]:
        hit = self.targets.get(id(prog))
        if hit is None or hit[0] is not prog:      # an id is reused only after its program is gone
            hit = self.targets[id(prog)] = (prog, frozenset(exec_targets(prog.body)))
        return hit[1]

    def diagnostics(self, prog: ir.Program, programs: dict[str, ir.Program], open_labels: bool) -> tuple[Diagnostic, ...]:
        unresolved = any(t not in programs for t in self.exec_targets(prog))
        key = (id(prog), tuple(programs) if unresolved else None)
        done = self.done.get(key)
        if done is None or done[0] is not prog:
            alone = Validator(programs, open_labels=open_labels)
            alone.program(prog)
            done = self.done[key] = (prog, tuple(alone.diagnostics))
        return done[1]
